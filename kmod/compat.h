/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel versions nf_egress builds against.
 *
 * The rest of the module is written like current upstream code: what an
 * older kernel spells differently gets a wrapper here, under the newest
 * kernel's name where there is one.
 *
 * Supported: Linux 6.1 (Debian 12) up to 7.2 (the newest Debian kernel, in
 * sid), which is what dkms.conf's BUILD_EXCLUSIVE_KERNEL accepts.  CI builds
 * the module without warnings (W=1) and runs the selftests on 6.1 and 6.12
 * (Debian 13, Debian 12 backports), and the smoke subset on 7.2.  Kernels
 * in between are covered by the feature tests below, not by a test run.
 */
#ifndef _NF_EGRESS_COMPAT_H
#define _NF_EGRESS_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "nf_egress needs Linux 6.1 or newer"
#endif

/*
 * 64-bit only: the packet path counts with plain 64-bit stores and reads
 * 64-bit generations with one load.  dkms.conf's BUILD_EXCLUSIVE_CONFIG
 * says the same, so DKMS skips 32-bit kernels instead of failing here.
 */
#ifndef CONFIG_64BIT
#error "nf_egress needs a 64-bit kernel (CONFIG_64BIT)"
#endif

#include <linux/hrtimer.h>
#include <linux/ipv6.h>
#include <linux/kernfs.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>

/*
 * Feature tests: kmod/Kbuild defines EGRESS_HAVE_<NAME> when the kernel's
 * headers have an API that is a function, which the preprocessor cannot
 * see.  Version numbers are only for what no distribution backports.
 */

/*
 * Linux 6.6 moved inet_sock's freebind, hdrincl and transparent bit-fields
 * into the atomic inet_flags, read with inet_test_bit(FLAG, sk).  Before,
 * the same name reads the bit-field.
 */
#ifndef inet_test_bit
#define EGRESS_INET_BIT_FREEBIND	freebind
#define EGRESS_INET_BIT_HDRINCL		hdrincl
#define EGRESS_INET_BIT_TRANSPARENT	transparent
#define inet_test_bit(nr, sk)	(inet_sk(sk)->EGRESS_INET_BIT_##nr)
#endif

/*
 * Linux 6.6 gave dumps a struct genl_info (genl_info_dump(cb)) and took the
 * attrs member out of struct genl_dumpit_info.  Before, the same name gives
 * a genl_info with the request's attributes only, which lives until the end
 * of the caller's block.
 */
#ifndef EGRESS_HAVE_GENL_INFO_DUMP
#define genl_info_dump(cb)						\
	((const struct genl_info *)&(struct genl_info) {		\
		.attrs = genl_dumpit_info(cb)->attrs,			\
	})
#endif

/*
 * Linux 6.13 added hrtimer_setup(), which sets the callback too, and later
 * kernels removed hrtimer_init() (7.2 has none).
 */
/*
 * genl_family's pre_doit and post_doit take the command's genl_split_ops
 * from Linux 6.2 on, its genl_ops before; both carry internal_flags.
 */
#ifdef EGRESS_HAVE_GENL_SPLIT_OPS
#define egress_genl_doit_ops	genl_split_ops
#else
#define egress_genl_doit_ops	genl_ops
#endif

/*
 * The unbound system workqueue is system_dfl_wq in newer kernels, which
 * deprecate the older name, system_unbound_wq (7.2 warns the first time
 * a work item is queued on it).  Before, only the older name exists.
 */
#ifndef EGRESS_HAVE_SYSTEM_DFL_WQ
#define system_dfl_wq system_unbound_wq
#endif

#ifndef EGRESS_HAVE_HRTIMER_SETUP
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * A cgroup's directory name, kn->name.  Linux 6.15 made it an RCU pointer
 * (a kernfs rename replaces it; cgroup v2 has no rename, so it stays the
 * same for the cgroup's life), read with rcu_dereference() outside kernfs.
 * Before, a plain pointer.  Call under rcu_read_lock().
 */
#ifdef EGRESS_HAVE_KERNFS_RCU_NAME
#define egress_kernfs_name(kn)	rcu_dereference((kn)->name)
#else
#define egress_kernfs_name(kn)	((kn)->name)
#endif

/*
 * A route with the feature RTAX_FEATURE_ALLFRAG (any netns admin may set it
 * over rtnetlink) makes the IPv6 output path of kernels that have
 * dst_allfrag() (6.1; 6.12 has none) send every datagram as fragments,
 * with a fragment header even when it fits the MTU.
 */
#ifdef EGRESS_HAVE_DST_ALLFRAG
#define egress_dst_allfrag(dst)	dst_allfrag(dst)
#else
#define egress_dst_allfrag(dst)	false
#endif

/*
 * IPv6 BIG TCP (a GSO packet over 64 KiB): the kernels that define
 * IP6SKB_FAKEJUMBO (6.1 to 6.18 at least; 7.2 does not) give such a packet
 * an 8-byte hop-by-hop jumbo option in ip6_xmit(), before LOCAL_OUT, and
 * segmentation or the driver takes it out again by the same test as here
 * (ipv6_has_hopopt_jumbo()), so none of the segments on the wire has it.
 * Later kernels send it with no option at all.  Returns the option's
 * length in the packet.
 */
#ifdef IP6SKB_FAKEJUMBO
static inline unsigned int egress_big_tcp_hbh_len(const struct sk_buff *skb)
{
	return ipv6_has_hopopt_jumbo(skb) ? sizeof(struct hop_jumbo_hdr) : 0;
}
#else
static inline unsigned int egress_big_tcp_hbh_len(const struct sk_buff *skb)
{
	return 0;
}
#endif

#endif /* _NF_EGRESS_COMPAT_H */
