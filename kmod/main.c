// SPDX-License-Identifier: GPL-2.0
/*
 * nf_egress: per-cgroup v2 egress control.
 *
 * Set-up order: the self-tests (a debug build's, if asked for) run first, then the empty
 * live policy set is made, /proc and netlink expose it, and the netfilter
 * hooks come last, so no packet is judged before the module can be
 * configured and inspected.  Tear-down runs in reverse: once the hooks are
 * gone no reader remains, and the sets can be freed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include <linux/nf_egress.h>

#include "compat.h"
#include "conn.h"
#include "version.h"
#include "hook.h"
#include "netlink.h"
#include "policy.h"
#include "events.h"
#include "proc.h"
#include "selftest/selftest.h"
#include "shaper.h"
#include "template.h"
#include "trie.h"

static int __init nf_egress_init(void)
{
	int err;

	egress_trie_init();
	err = egress_selftest_run();
	if (err)
		return err;
	err = egress_shaper_module_init();
	if (err)
		return err;
	err = egress_policy_init();
	if (err)
		goto err_shaper;
	err = egress_proc_init();
	if (err)
		goto err_policy;
	err = egress_netlink_init();
	if (err)
		goto err_proc;
	/* Before the hooks: no connection is charged that no probe releases. */
	err = egress_conn_init();
	if (err)
		goto err_netlink;
	err = egress_hooks_init();
	if (err)
		goto err_conn;

	pr_info("version " NF_EGRESS_VERSION " loaded\n");
	return 0;

err_conn:
	egress_conn_exit();
err_netlink:
	egress_template_gc_stop();
	egress_netlink_exit();
err_proc:
	egress_proc_exit();
err_policy:
	egress_policy_exit();
err_shaper:
	egress_shaper_module_exit();
	return err;
}

static void __exit nf_egress_exit(void)
{
	egress_hooks_exit();
	/*
	 * Nothing is charged any more: the probe goes, then each counted
	 * socket drops its counters' references (freed by RCU, which
	 * egress_policy_exit() waits for).
	 */
	egress_conn_exit();
	egress_quota_events_flush();
	/* It sends events: before the family goes. */
	egress_template_gc_stop();
	egress_netlink_exit();
	egress_proc_exit();
	/* Freeing the policies hands on the packets their queues held. */
	egress_policy_exit();
	egress_shaper_module_exit();
	pr_info("unloaded\n");
}

module_init(nf_egress_init);
module_exit(nf_egress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-cgroup v2 egress control: allowlists, rate limits and counters");
MODULE_VERSION(NF_EGRESS_VERSION);
MODULE_ALIAS_GENL_FAMILY(NF_EGRESS_GENL_NAME);
