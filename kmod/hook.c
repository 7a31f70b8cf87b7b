// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks: LOCAL_OUT for IPv4 and IPv6 in every network
 * namespace.  Pernet operations register them in the namespaces that exist
 * at load time and in every one created later, so containers with their own
 * netns are covered.
 */

#include <linux/cgroup.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "hook.h"
#include "policy.h"

/*
 * The socket whose cgroup a packet is charged to, or NULL when the packet
 * is not subject to policy: no socket (forwarded or kernel-built packets),
 * a time-wait socket, a socket of another namespace (a tunnel carrying it
 * on), or a kernel socket (ICMP errors, NDP, RSTs of the per-netns control
 * sockets).  SYN-ACKs belong to the listener, whose cgroup is the server's.
 */
static struct sock *egress_skb_sender(const struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct sock *sk = skb_to_full_sk(skb);

	if (!sk || !sk_fullsock(sk) || sk->sk_kern_sock)
		return NULL;
	if (!net_eq(sock_net(sk), state->net))
		return NULL;
	return sk;
}

/*
 * A denied TCP packet fails with -ECONNREFUSED: tcp_connect() gives up at
 * once only on that error, so a denied connect() fails immediately instead
 * of retransmitting its SYN until it times out.  Everything else gets the
 * usual -EPERM of a netfilter drop.
 */
static unsigned int egress_deny_verdict(const struct sock *sk)
{
	/* NF_DROP_ERR() does not parenthesise its argument: pass a plain value. */
	int err = sk->sk_protocol == IPPROTO_TCP ? -ECONNREFUSED : -EPERM;

	return NF_DROP_ERR(err);
}

static unsigned int egress_hook(struct sk_buff *skb,
				const struct nf_hook_state *state, u8 family,
				const union nf_inet_addr *daddr)
{
	struct sock *sk = egress_skb_sender(skb, state);
	struct cgroup *cgrp;

	if (!sk)
		return NF_ACCEPT;
	cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	if (!cgrp)
		return NF_ACCEPT;
	/* Netfilter hooks run inside rcu_read_lock(). */
	if (egress_policy_check(cgrp, family, daddr, skb->len))
		return NF_ACCEPT;
	return egress_deny_verdict(sk);
}

static unsigned int egress_hook_ipv4(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	union nf_inet_addr daddr = { .ip = ip_hdr(skb)->daddr };

	return egress_hook(skb, state, NFPROTO_IPV4, &daddr);
}

static unsigned int egress_hook_ipv6(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	union nf_inet_addr daddr = { .in6 = ipv6_hdr(skb)->daddr };

	return egress_hook(skb, state, NFPROTO_IPV6, &daddr);
}

/*
 * After the filter tables, so nftables and iptables see (and may drop)
 * packets first and nf_egress counts only what they let through.
 */
#define EGRESS_HOOK_PRIORITY (NF_IP_PRI_FILTER + 10)

static const struct nf_hook_ops egress_nf_ops[] = {
	{
		.hook		= egress_hook_ipv4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= EGRESS_HOOK_PRIORITY,
	},
	{
		.hook		= egress_hook_ipv6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= EGRESS_HOOK_PRIORITY,
	},
};

static int __net_init egress_net_init(struct net *net)
{
	return nf_register_net_hooks(net, egress_nf_ops,
				     ARRAY_SIZE(egress_nf_ops));
}

static void __net_exit egress_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, egress_nf_ops, ARRAY_SIZE(egress_nf_ops));
}

static struct pernet_operations egress_net_ops = {
	.init = egress_net_init,
	.exit = egress_net_exit,
};

int egress_hooks_init(void)
{
	return register_pernet_subsys(&egress_net_ops);
}

void egress_hooks_exit(void)
{
	/* Returns once no hook of ours can run on any CPU in any netns. */
	unregister_pernet_subsys(&egress_net_ops);
}
