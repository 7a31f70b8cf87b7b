// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/nf_egress/ in the initial network namespace.
 *
 * stats:    a header line naming the columns, then one line per policy:
 *           cgroup allowed_packets allowed_bytes denied_packets denied_bytes
 * policies: one "policy PATH default VERDICT rules N" line per policy, each
 *           followed by its rules as "  rule ID ACTION to CIDR".
 *
 * Paths are escaped as in /proc/mounts (space, tab, newline and backslash
 * become octal escapes), so every line splits on whitespace.  Columns are
 * only ever added at the end of a line.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include <linux/nf_egress.h>

#include "policy.h"
#include "proc.h"

static struct proc_dir_entry *egress_proc_dir;

static void *egress_proc_start(struct seq_file *m, loff_t *pos)
	__acquires(&egress_config_mutex)
{
	mutex_lock(&egress_config_mutex);
	return seq_list_start_head(&egress_policy_list, *pos);
}

static void *egress_proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &egress_policy_list, pos);
}

static void egress_proc_stop(struct seq_file *m, void *v)
	__releases(&egress_config_mutex)
{
	mutex_unlock(&egress_config_mutex);
}

static const char *egress_verdict_name(u8 verdict)
{
	return verdict == NF_EGRESS_VERDICT_ALLOW ? "allow" : "deny";
}

static void egress_proc_put_path(struct seq_file *m,
				 const struct egress_policy *policy)
{
	seq_escape(m, policy->path, " \t\n\\");
}

static int egress_proc_stats_show(struct seq_file *m, void *v)
{
	const struct egress_policy *policy;
	struct egress_counters_sum sum;

	if (v == &egress_policy_list) {
		seq_puts(m, "cgroup allowed_packets allowed_bytes denied_packets denied_bytes\n");
		return 0;
	}
	policy = list_entry(v, struct egress_policy, list_node);
	egress_counters_sum(policy, &sum);
	egress_proc_put_path(m, policy);
	seq_printf(m, " %llu %llu %llu %llu\n", sum.allowed_packets,
		   sum.allowed_bytes, sum.denied_packets, sum.denied_bytes);
	return 0;
}

static int egress_proc_policies_show(struct seq_file *m, void *v)
{
	const struct egress_policy *policy;
	const struct egress_ruleset *rs;
	u32 i;

	if (v == &egress_policy_list)
		return 0;
	policy = list_entry(v, struct egress_policy, list_node);
	rs = egress_policy_ruleset_locked(policy);

	seq_puts(m, "policy ");
	egress_proc_put_path(m, policy);
	seq_printf(m, " default %s rules %u\n",
		   egress_verdict_name(policy->default_verdict),
		   rs ? rs->count : 0);
	for (i = 0; rs && i < rs->count; i++) {
		const struct egress_rule *rule = &rs->rules[i];

		seq_printf(m, "  rule %u %s to ", rule->id,
			   egress_verdict_name(rule->action));
		if (rule->family == NFPROTO_IPV4)
			seq_printf(m, "%pI4", &rule->addr.ip);
		else
			seq_printf(m, "%pI6c", &rule->addr.in6);
		seq_printf(m, "/%u\n", rule->prefix_len);
	}
	return 0;
}

static const struct seq_operations egress_proc_stats_ops = {
	.start	= egress_proc_start,
	.next	= egress_proc_next,
	.stop	= egress_proc_stop,
	.show	= egress_proc_stats_show,
};

static const struct seq_operations egress_proc_policies_ops = {
	.start	= egress_proc_start,
	.next	= egress_proc_next,
	.stop	= egress_proc_stop,
	.show	= egress_proc_policies_show,
};

int __init egress_proc_init(void)
{
	egress_proc_dir = proc_mkdir("nf_egress", init_net.proc_net);
	if (!egress_proc_dir)
		return -ENOMEM;
	if (!proc_create_seq("stats", 0444, egress_proc_dir,
			     &egress_proc_stats_ops) ||
	    !proc_create_seq("policies", 0444, egress_proc_dir,
			     &egress_proc_policies_ops)) {
		remove_proc_subtree("nf_egress", init_net.proc_net);
		return -ENOMEM;
	}
	return 0;
}

void egress_proc_exit(void)
{
	remove_proc_subtree("nf_egress", init_net.proc_net);
}
