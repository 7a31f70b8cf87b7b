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
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sctp.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "cache.h"
#include "compat.h"
#include "conn.h"
#include "events.h"
#include "hook.h"
#include "policy.h"
#include "ratelimit.h"
#include "shaper.h"

/*
 * Traffic through a loopback device never leaves the host, so it is not
 * egress: not judged and not counted, unless this says otherwise.
 */
bool egress_judge_loopback;
module_param_named(judge_loopback, egress_judge_loopback, bool, 0644);
MODULE_PARM_DESC(judge_loopback,
		 "Also judge and count packets sent through loopback devices");

/*
 * The kernel's own control sockets: the per-CPU and per-namespace sockets
 * that send TCP resets and time-wait ACKs, ICMP and ICMPv6 errors and echo
 * replies, neighbour discovery and MLD (all raw), and the sockets of SCTP
 * and DCCP that answer packets out of the blue.  What they send answers
 * packets that arrived and carries nobody's data, and judging it by the
 * cgroup that created the namespace would break the namespace's own
 * networking.  Kernel sockets that carry data (MPTCP subflows, SMC's TCP
 * socket, tunnel and RPC sockets) are stream or datagram sockets.
 */
static bool egress_sk_is_control(const struct sock *sk)
{
	if (!sk->sk_kern_sock)
		return false;
	if (sk->sk_type == SOCK_RAW || sk->sk_type == SOCK_DCCP)
		return true;
#if IS_ENABLED(CONFIG_IP_SCTP)
	if (sk->sk_protocol == IPPROTO_SCTP &&
	    sk == READ_ONCE(sock_net(sk)->sctp.ctl_sock))
		return true;
#endif
	return false;
}

/*
 * A reset or ACK that TCP sends for a socket in answer to a segment it did
 * not want (a stray ACK to a listener, a segment outside the window): the
 * kernel's reply from its control socket, not the socket's own packet.
 * Linux 6.13 and later attach the socket it answers for with
 * skb_set_owner_edemux() and pass it to the IPv4 output path as the sender,
 * where older kernels leave the control socket.  A SYN-ACK is attached the
 * same way, to its request socket, which is not a full socket: it stays
 * the listener's packet.
 */
static bool egress_skb_is_control_reply(const struct sk_buff *skb)
{
	return skb->destructor == sock_edemux && skb->sk &&
	       sk_fullsock(skb->sk);
}

/*
 * A pass of a packet that a device sends on behalf of what entered it: the
 * outer packet of a tunnel (WireGuard, VXLAN, Geneve, GRE, IPIP, SIT, IPv6
 * tunnels: the device's transmit path leaves skb->dev set, where a socket's
 * own packets have none at LOCAL_OUT; TCP even clears it on its clones),
 * unless the socket it carries is the one sending it (an RDMA device's
 * socket does that with its own packets); or the output of an IPsec
 * transform.  A VRF device re-injects the packet itself, unchanged,
 * towards the real device: that pass is the packet's own.
 */
static bool egress_pass_is_encapsulation(const struct sk_buff *skb,
					 const struct nf_hook_state *state,
					 const struct sock *owner,
					 const struct sock *via)
{
	if (state->pf == NFPROTO_IPV4 ?
	    IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED :
	    IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED)
		return true;
	return skb->dev && !netif_is_l3_master(skb->dev) &&
	       !(owner && owner == via);
}

/*
 * The socket whose cgroup this pass through LOCAL_OUT is judged and charged
 * by, or NULL when it is not subject to policy (Documentation/design.rst,
 * "What is judged"):
 *
 * - A socket's own packet: its socket (a SYN-ACK: the listener).  Kernel
 *   sockets count like any other: MPTCP subflows and SMC's TCP socket carry
 *   the cgroup of the user's socket, a tunnel's socket that of the task that
 *   set the tunnel up.  The output path's socket stands in when the packet
 *   has none (a TIPC bearer).  Not judged: no socket at all (forwarded or
 *   kernel-built packets), a time-wait socket, a control socket, TCP's
 *   replies for a socket (egress_skb_is_control_reply()).
 *
 * - An encapsulation (see egress_pass_is_encapsulation()) in the initial
 *   network namespace: not judged again.  It is the host's tunnel, set up
 *   by whoever administers the host's network, and the packet was judged
 *   when it entered it, by its sender and the destination it chose.
 *
 * - An encapsulation in any other namespace (a container's tunnel, which
 *   whoever holds CAP_NET_ADMIN there built, with or without a user
 *   namespace): judged again, by the tunnel's socket when it has one
 *   (WireGuard, VXLAN, Geneve), else by the socket of the packet it carries
 *   (GRE, IPIP, SIT, IPsec; that socket may belong to another namespace
 *   the packet came from), so that the tunnel cannot carry traffic to a
 *   denied endpoint.  It is not rate-limited again (the hook says so).
 */
static struct sock *egress_pass_sender(const struct sk_buff *skb,
				       const struct nf_hook_state *state,
				       bool *encapsulation)
{
	struct sock *owner = skb_to_full_sk(skb);
	struct sock *via = state->sk ? sk_to_full_sk(state->sk) : NULL;
	struct sock *sk;

	*encapsulation = egress_pass_is_encapsulation(skb, state, owner, via);
	if (!*encapsulation) {
		if (egress_skb_is_control_reply(skb))
			return NULL;
		if (via && sk_fullsock(via) && egress_sk_is_control(via))
			return NULL;
		sk = owner ?: via;
		if (!sk || !sk_fullsock(sk) || egress_sk_is_control(sk))
			return NULL;
		return sk;
	}
	if (net_eq(state->net, &init_net))
		return NULL;
	/*
	 * Whatever such a tunnel carries reaches its endpoint, the kernel's
	 * own packets included: judged by their control socket's cgroup then
	 * (the namespace creator's for its own sockets, the root's for the
	 * kernel's per-CPU ones).
	 */
	sk = via ?: owner;
	if (!sk || !sk_fullsock(sk))
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

/*
 * As a full qdisc does: UDP senders see success (unless they set
 * IP_RECVERR), TCP treats it as local congestion.
 */
static unsigned int egress_ratelimit_verdict(void)
{
	return NF_DROP_ERR(-ENOBUFS);
}

/*
 * Inlined, as the IPv4 parse is: the call cost about 20 of the parse's 64
 * instructions (saved registers, stack canary, return thunk).
 */
static __always_inline void egress_pkt_read_port(struct egress_pkt *pkt,
						 const struct sk_buff *skb,
						 unsigned int thoff)
{
	__be16 _port;
	const __be16 *port;

	if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP &&
	    pkt->proto != IPPROTO_SCTP)
		return;
	/* The destination port is the second 16-bit word of all three. */
	port = skb_header_pointer(skb, thoff + 2, sizeof(_port), &_port);
	if (!port)
		return;
	pkt->has_port = true;
	pkt->dport = ntohs(*port);
}

static __always_inline void egress_pkt_from_ipv4(struct egress_pkt *pkt,
						 const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	pkt->family = NFPROTO_IPV4;
	pkt->daddr.ip = iph->daddr;
	pkt->proto = iph->protocol;
	/* Only the first fragment carries ports (locally sent datagrams are
	 * fragmented after LOCAL_OUT, so this is for raw senders).
	 */
	if (!(iph->frag_off & htons(IP_OFFSET)))
		egress_pkt_read_port(pkt, skb,
				     skb_network_offset(skb) + iph->ihl * 4);
}

static void egress_pkt_from_ipv6(struct egress_pkt *pkt, struct sk_buff *skb)
{
	unsigned int thoff = 0;
	unsigned short fragoff = 0;
	int proto;

	pkt->family = NFPROTO_IPV6;
	/*
	 * Not an assignment: GCC copies a struct in6_addr through a 128-bit
	 * temporary, whose 16-byte alignment costs the hook a stack
	 * realignment (see struct egress_pkt).
	 */
	memcpy(&pkt->daddr.in6, &ipv6_hdr(skb)->daddr, sizeof(pkt->daddr.in6));
	/*
	 * No extension header, as nearly every packet: what ipv6_find_hdr()
	 * would say, without the call and its loop.
	 */
	proto = ipv6_hdr(skb)->nexthdr;
	if (proto == IPPROTO_UDP || proto == IPPROTO_TCP ||
	    proto == IPPROTO_SCTP) {
		pkt->proto = proto;
		egress_pkt_read_port(pkt, skb, skb_network_offset(skb) +
					       sizeof(struct ipv6hdr));
		return;
	}
	proto = ipv6_find_hdr(skb, &thoff, -1, &fragoff, NULL);
	if (proto < 0)
		return;
	pkt->proto = proto;
	if (!fragoff)
		egress_pkt_read_port(pkt, skb, thoff);
}

/*
 * Does a datagram built in pieces (a frag_list: ip_append_data() and its
 * IPv6 twin cut it to the MTU of the moment it was started; conntrack's
 * defragmenter keeps the fragments it joined) leave as those pieces?  The
 * output path's fast path sends them as they are when each fits @data_mtu,
 * the room for data in a fragment, all but the last are multiples of 8
 * bytes, and every piece has the headroom for its headers (@ip_len of IP
 * headers, @frag_len of fragment header, the device's link-layer space)
 * and is neither cloned nor shared, as they are at this hook; else it cuts
 * the datagram anew: ip_do_fragment()'s and ip6_fragment()'s tests.
 */
static bool egress_frag_list_fits(const struct sk_buff *skb, bool v6,
				  unsigned int ip_len, unsigned int frag_len,
				  unsigned int data_mtu)
{
	unsigned int ll_rs = LL_RESERVED_SPACE(skb_dst(skb)->dev);
	unsigned int first = skb_pagelen(skb) - ip_len;
	const struct sk_buff *frag;

	if (first > data_mtu || (first & 7) || skb_cloned(skb) ||
	    skb_headroom(skb) < ll_rs + frag_len ||
	    (!v6 && ip_is_fragment(ip_hdr(skb))))
		return false;
	skb_walk_frags(skb, frag) {
		if (frag->len > data_mtu || ((frag->len & 7) && frag->next) ||
		    skb_headroom(frag) < ip_len + frag_len + ll_rs ||
		    skb_shared(frag))
			return false;
	}
	return true;
}

/*
 * A floor under the MTU that ip_skb_dst_mtu() gives for @dst, or 0 for a
 * route with a lightweight tunnel, an IPsec transform or a placeholder for
 * one still being negotiated (DST_XFRM_QUEUE): the smallest of the sizes
 * ip_dst_mtu_maybe_forward() picks one of (the path MTU learnt, the
 * route's MTU metric, the device's, 576 for a route whose MTU is locked)
 * and the device's, which a socket that ignores the path MTU gets (6.1 to
 * 7.2 alike).  A datagram within it leaves whole.  Reading these
 * spares nearly every packet the helper's nested RCU section and choices,
 * about 40 instructions for one rule.
 */
static unsigned int egress_ipv4_mtu_floor(const struct dst_entry *dst)
{
	const struct rtable *rt = container_of(dst, struct rtable, dst);
	unsigned int floor, mtu;

	if (dst->lwtstate || dst_xfrm(dst) || (dst->flags & DST_XFRM_QUEUE))
		return 0;
	floor = min_t(unsigned int, READ_ONCE(dst->dev->mtu), IP_MAX_MTU);
	mtu = rt->rt_pmtu;	/* a bit field, read as the kernel does */
	if (mtu && mtu < floor)
		floor = mtu;
	mtu = dst_metric_raw(dst, RTAX_MTU);
	if (mtu && mtu < floor)
		floor = mtu;
	if (ip_mtu_locked(dst))
		floor = min(floor, 576U);
	return floor;
}

/*
 * The same for IPv6 and ip6_skb_dst_mtu(): the route's MTU metric (where
 * a path MTU learnt is kept), the interface's IPv6 MTU (the minimum
 * without one) and the device's MTU (6.1 to 7.2 alike).
 */
static unsigned int egress_ipv6_mtu_floor(const struct dst_entry *dst)
{
	const struct net_device *dev = dst->dev;
	const struct inet6_dev *idev;
	unsigned int floor, mtu;

	if (dst->lwtstate || dst_xfrm(dst) || (dst->flags & DST_XFRM_QUEUE))
		return 0;
	floor = min_t(unsigned int, READ_ONCE(dev->mtu), IP6_MAX_MTU);
	mtu = dst_metric_raw(dst, RTAX_MTU);
	if (mtu && mtu < floor)
		floor = mtu;
	idev = __in6_dev_get(dev);
	mtu = idev ? READ_ONCE(idev->cnf.mtu6) : IPV6_MIN_MTU;
	return min(floor, mtu);
}

/*
 * The MTU the output path cuts an IPv4 datagram to, or 0 when it sends it
 * whole: ip_finish_output()'s test, then ip_do_fragment()'s cap.  The MTU
 * is the device's for a socket that ignores path MTU (IP_PMTUDISC_PROBE
 * and up), else the route's.  A datagram that conntrack's defragmenter
 * reassembled from a raw socket's fragments carries the size of the
 * largest (frag_max_size), and leaves cut again to at most that, even
 * when it would fit the MTU whole.
 */
static unsigned int egress_ipv4_frag_mtu(const struct sk_buff *skb,
					 struct sock *sk)
{
	unsigned int frag_max = IPCB(skb)->frag_max_size;
	unsigned int mtu;

	if (!frag_max && skb->len <= egress_ipv4_mtu_floor(skb_dst(skb)))
		return 0;
	mtu = ip_skb_dst_mtu(sk, skb);
	if (!frag_max)
		return skb->len > mtu ? mtu : 0;
	return min(mtu, frag_max);
}

/*
 * The same for IPv6: ip6_finish_output()'s test, then ip6_fragment()'s
 * caps.  A reassembled datagram leaves in pieces of its largest fragment's
 * size, but never smaller than the IPv6 minimum MTU; the sending socket's
 * IPV6_MTU caps them as it is at this hook (it may have changed since the
 * socket started building the datagram), unless the packet is sent from
 * within another device's transmit (a tunnel's outer packet on a device
 * without a queue), where ip6_fragment() does not look at the socket.
 */
static unsigned int egress_ipv6_frag_mtu(const struct sk_buff *skb)
{
	unsigned int frag_max = IP6CB(skb)->frag_max_size;
	const struct ipv6_pinfo *np;
	unsigned int mtu;

	if (!frag_max && !egress_dst_allfrag(skb_dst(skb)) &&
	    skb->len <= egress_ipv6_mtu_floor(skb_dst(skb)))
		return 0;
	mtu = ip6_skb_dst_mtu(skb);
	if (skb->len <= mtu && (!frag_max || skb->len <= frag_max) &&
	    !egress_dst_allfrag(skb_dst(skb)))
		return 0;
	if (frag_max)
		mtu = max_t(unsigned int, frag_max, IPV6_MIN_MTU);
	np = skb->sk && !dev_recursion_level() ? inet6_sk(skb->sk) : NULL;
	if (np) {
		u32 frag_size = READ_ONCE(np->frag_size);

		if (frag_size && frag_size < mtu)
			mtu = frag_size;
	}
	return mtu;
}

/*
 * What the packet will be on the wire.  A GSO packet passes LOCAL_OUT once
 * but leaves as gso_segs segments, each with its own copy of the headers
 * (as qdisc_pkt_len_init() counts it for qdiscs): for a tunnel's GSO
 * packet, the outer headers and the inner ones up to the inner TCP or UDP
 * header.  The jumbo option of an IPv6 BIG TCP packet, where the kernel
 * adds one (compat.h), is in none of them.  A datagram the output path
 * fragments leaves as fragments, each with its own IP header (and IPv6
 * fragment header).
 */
static void egress_wire_size(struct sk_buff *skb,
			     const struct nf_hook_state *state,
			     struct egress_wire_size *size)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	unsigned int hdr_len, mtu, per_frag;

	size->packets = 1;
	size->bytes = skb->len;
	if (!skb_is_gso(skb)) {
		bool v6 = state->pf == NFPROTO_IPV6;
		unsigned int ip_len, frag_len = 0;

		/*
		 * A socket may change its MTU settings while it builds a
		 * datagram, which keeps the pieces it was started with: see
		 * egress_frag_list_fits().
		 */
		if (!skb_dst(skb))
			return;
		if (!v6) {
			mtu = egress_ipv4_frag_mtu(skb, state->sk);
			if (!mtu)
				return;
			ip_len = ip_hdrlen(skb);
		} else {
			u8 *nexthdr;
			int unfrag;

			mtu = egress_ipv6_frag_mtu(skb);
			if (!mtu)
				return;
			/*
			 * Every fragment repeats the headers before the
			 * fragmentable part (hop-by-hop, routing, which any
			 * socket may add), as ip6_fragment() cuts it.
			 */
			unfrag = ip6_find_1stfragopt(skb, &nexthdr);
			if (unfrag < 0)
				return;
			ip_len = unfrag;
			frag_len = sizeof(struct frag_hdr);
		}
		hdr_len = ip_len + frag_len;
		if (mtu < hdr_len + 8)
			return;
		if (skb_has_frag_list(skb) &&
		    egress_frag_list_fits(skb, v6, ip_len, frag_len,
					  mtu - hdr_len)) {
			const struct sk_buff *frag;

			skb_walk_frags(skb, frag)
				size->packets++;
		} else {
			/* Each fragment: the IP header(s), 8-byte multiples. */
			per_frag = (mtu - hdr_len) & ~7U;
			size->packets = DIV_ROUND_UP(skb->len - ip_len, per_frag);
		}
		size->bytes += (size->packets - 1) * hdr_len + frag_len;
		return;
	}
	if (shinfo->gso_segs <= 1 || !skb_transport_header_was_set(skb))
		return;

	if (shinfo->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6))
		hdr_len = skb->encapsulation ? inner_tcp_hdrlen(skb) : tcp_hdrlen(skb);
	else if (shinfo->gso_type & SKB_GSO_UDP_L4)
		hdr_len = sizeof(struct udphdr);
	else if (shinfo->gso_type & SKB_GSO_SCTP)
		hdr_len = sizeof(struct sctphdr);
	else
		return;
	hdr_len += skb->encapsulation ? skb_inner_transport_offset(skb) :
					skb_transport_offset(skb);
	size->packets = shinfo->gso_segs;
	size->bytes += (shinfo->gso_segs - 1) * hdr_len;
	/* Counted in skb->len and in hdr_len, but in no segment. */
	if (state->pf == NFPROTO_IPV6)
		size->bytes -= shinfo->gso_segs * egress_big_tcp_hbh_len(skb);
}

/*
 * Writers of one CPU's counters must not interleave.  On a 64-bit kernel
 * (compat.h) u64_stats_add() is a single local64_add(), which a softirq on
 * the same CPU cannot split, so staying on this CPU is enough, and much
 * cheaper per packet than local_bh_disable()/local_bh_enable().
 */
static inline void egress_counters_write_begin(void)
{
	preempt_disable();
}

static inline void egress_counters_write_end(void)
{
	preempt_enable();
}

static void egress_count_add(struct egress_count *count,
			     const struct egress_wire_size *size)
{
	u64_stats_add(&count->packets, size->packets);
	u64_stats_add(&count->bytes, size->bytes);
}

static void egress_charge_class(struct egress_stats *stats, u8 class_id,
				const struct egress_wire_size *size)
{
	struct egress_class_stats *cs = xa_load(&stats->classes, class_id);
	struct egress_class_counters *c;

	/* An instance's are made on its rule's hit (egress_instance_hit()). */
	if (!cs)
		return;
	c = this_cpu_ptr(cs->pcpu);
	u64_stats_update_begin(&c->syncp);
	u64_stats_add(&c->packets, size->packets);
	u64_stats_add(&c->bytes, size->bytes);
	u64_stats_update_end(&c->syncp);
}

/*
 * Charge the packet's final fate to every policy on its path.  Here rather
 * than in policy.c so that it inlines into the hook.
 */
static void egress_charge(struct egress_policy *const *policies,
			  const struct egress_rule *const *rules, unsigned int n,
			  u64 denied_by, enum egress_outcome outcome,
			  const struct egress_wire_size *size)
{
	unsigned int i;

	/*
	 * Every policy on the path sees the packet's final fate, so a parent's
	 * counters include everything its subtree sent or tried to send.
	 * LOCAL_OUT runs in process context with softirqs enabled as well as
	 * in softirq context, and both may write this CPU's counters.
	 */
	egress_counters_write_begin();
	for (i = 0; i < n; i++) {
		struct egress_stats *stats = policies[i]->stats;
		struct egress_counters *c = this_cpu_ptr(stats->pcpu);

		u64_stats_update_begin(&c->syncp);
		egress_count_add(&c->count[outcome], size);
		/* A shaped packet left too. */
		if (outcome == EGRESS_SHAPED)
			egress_count_add(&c->count[EGRESS_CTR_ALLOWED], size);
		/*
		 * An audit policy's deny that enforcement did not act on: the
		 * packet left, or a rate limit dropped it.
		 */
		if (outcome != EGRESS_DENIED && (denied_by & BIT_ULL(i)))
			egress_count_add(&c->count[EGRESS_CTR_WOULD_DENY], size);
		u64_stats_update_end(&c->syncp);

		/* Classes count what left, by the class of the deciding rule. */
		if ((outcome == EGRESS_ALLOWED || outcome == EGRESS_SHAPED) &&
		    rules[i] && rules[i]->class_id)
			egress_charge_class(stats, rules[i]->class_id, size);
	}
	egress_counters_write_end();
}

/*
 * The first SYN left although audit levels' connection limits would have
 * refused it: their connlimit counters count it (it is also allowed).
 */
static void egress_charge_would_connlimit(struct egress_policy *const *policies,
					  unsigned int n, u64 refused_by,
					  const struct egress_wire_size *size)
{
	unsigned int i;

	egress_counters_write_begin();
	for (i = 0; i < n; i++) {
		struct egress_counters *c;

		if (!(refused_by & BIT_ULL(i)))
			continue;
		c = this_cpu_ptr(policies[i]->stats->pcpu);
		u64_stats_update_begin(&c->syncp);
		egress_count_add(&c->count[EGRESS_CTR_CONNLIMIT], size);
		u64_stats_update_end(&c->syncp);
	}
	egress_counters_write_end();
}

/*
 * Does this packet open a TCP connection: its socket is in SYN_SENT,
 * which only its SYNs (the first or a retransmission) leave it in.  One
 * compare on the socket's first cache line for every other TCP packet of
 * a path with connection limits.
 */
static bool egress_pkt_opens_conn(const struct sock *sk,
				  const struct egress_pkt *pkt)
{
	return READ_ONCE(sk->sk_state) == TCP_SYN_SENT &&
	       pkt->proto == IPPROTO_TCP && sk_is_tcp(sk);
}

/*
 * Connection health of a TCP packet that leaves, if that is counted: a
 * first SYN on a path that egress_conn_admit() did not see (one with
 * neither limits nor rates) gets its entry here, and about one of every
 * 2^EGRESS_RTT_SAMPLE_SHIFT packets a socket sends is an RTT sample (its
 * segs_out, which TCP advanced before handing the packet to IP, crosses a
 * multiple).  Per TCP packet: loads from the socket TCP just wrote.
 */
static __always_inline void
egress_tcp_health(struct sock *sk, struct egress_policy *const *policies,
		  const struct egress_rule *const *rules, unsigned int n,
		  u32 segs, u32 path_flags)
{
	unsigned int shift;
	u32 sent;

	if (!egress_health_on() || !sk_fullsock(sk) || !sk_is_tcp(sk))
		return;
	if (READ_ONCE(sk->sk_state) == TCP_SYN_SENT) {
		if (!(path_flags & EGRESS_PATH_CONN))
			egress_conn_count_syn(sk, policies, rules, n);
		return;
	}
	/*
	 * A GSO packet of 2^k or more segments needs a multiple of 2^k
	 * times as many: about one packet in 32 to 64 is a sample, however
	 * large they are.
	 */
	shift = EGRESS_RTT_SAMPLE_SHIFT + ilog2(segs | 1);
	sent = READ_ONCE(tcp_sk(sk)->segs_out);
	if ((sent >> shift) != ((sent - segs) >> shift))
		egress_conn_sample_rtt(sk, policies, rules, n);
}

static enum egress_outcome egress_shape_outcome(enum egress_shape_result res)
{
	switch (res) {
	case EGRESS_SHAPE_QUEUED:
		return EGRESS_SHAPED;
	case EGRESS_SHAPE_DROP:
		return EGRESS_RATELIMITED;
	default:
		return EGRESS_ALLOWED;
	}
}

/*
 * May @sk send from an address that is not this host's: IP_TRANSPARENT /
 * IPV6_TRANSPARENT, a raw socket that writes its own IP header, or in IPv6
 * what ipv6_can_nonlocal_bind() accepts: IPV6_FREEBIND, or the socket's
 * namespace's net.ipv6.ip_nonlocal_bind (which root in a container's own
 * namespace may set).  IPv4's IP_FREEBIND and ip_nonlocal_bind only bind
 * early (the route lookup refuses a source that is not local), but cost
 * nothing to include.
 */
static bool egress_sk_may_send_foreign(const struct sock *sk)
{
	return inet_test_bit(FREEBIND, sk) || inet_test_bit(TRANSPARENT, sk) ||
	       inet_test_bit(HDRINCL, sk) ||
	       (sk->sk_family == AF_INET6 &&
		READ_ONCE(sock_net(sk)->ipv6.sysctl.ip_nonlocal_bind));
}

/*
 * Does @sk send from a source address that is not this host's?  Only a
 * socket that may can, and then each packet is checked.  Replies go to
 * the source, and so do the kernel's ICMP errors, which quote the packet:
 * a packet to an allowed but unused on-link address from a foreign source
 * would make the host send its data to that source.
 */
static bool egress_source_foreign(const struct sock *sk,
				  const struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	if (!egress_sk_may_send_foreign(sk))
		return false;
	if (state->pf == NFPROTO_IPV4)
		return inet_addr_type(state->net, ip_hdr(skb)->saddr) != RTN_LOCAL;
	return !ipv6_chk_addr(state->net, &ipv6_hdr(skb)->saddr, NULL, 0);
}

/*
 * A packet from a foreign source: every policy on the path says deny, no
 * rule decided, and it is dropped unless all of them only audit.
 */
static enum egress_outcome
egress_decide_foreign(struct egress_policy *const *policies, unsigned int n,
		      const struct egress_rule **rules, u64 *denied_by)
{
	enum egress_outcome outcome = EGRESS_ALLOWED;
	unsigned int i;

	*denied_by = GENMASK_ULL(n - 1, 0);
	for (i = 0; i < n; i++) {
		rules[i] = NULL;
		if (egress_policy_enforces(policies[i]))
			outcome = EGRESS_DENIED;
	}
	return outcome;
}

/* The event a packet's outcome gives, if any. */
static int egress_outcome_event(enum egress_outcome outcome, u64 denied_by)
{
	switch (outcome) {
	case EGRESS_DENIED:
		return NF_EGRESS_EVENT_DENY;
	case EGRESS_RATELIMITED:
		return NF_EGRESS_EVENT_RATELIMITED;
	case EGRESS_CONNLIMITED:
		return NF_EGRESS_EVENT_CONNLIMIT;
	default:
		return denied_by ? NF_EGRESS_EVENT_WOULD_DENY : -1;
	}
}

/*
 * Is the packet denied by a used-up quota with the deny action, on any
 * level?  Such levels are marked in @quota_denied_by and @denied_by (an
 * audit policy's only there).
 */
static bool egress_quota_denies(struct egress_policy *const *policies,
				const struct egress_rule *const *rules,
				unsigned int n, time64_t now, u64 *denied_by,
				u64 *quota_denied_by)
{
	bool deny = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* A level that denied already (an audit one): as EXPLAIN does. */
		if (*denied_by & BIT_ULL(i))
			continue;
		if (!egress_quota_denying(rcu_dereference(policies[i]->quotas),
					  rules[i] ? rules[i]->class_id : 0, now))
			continue;
		*denied_by |= BIT_ULL(i);
		*quota_denied_by |= BIT_ULL(i);
		if (egress_policy_enforces(policies[i]))
			deny = true;
	}
	return deny;
}

/* Charge what left to the quotas that count it, on every level. */
static void egress_quota_charge_path(struct egress_policy *const *policies,
				     const struct egress_rule *const *rules,
				     unsigned int n, time64_t now,
				     const struct egress_wire_size *size)
{
	unsigned long crossed;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct egress_quota_set *qs = rcu_dereference(policies[i]->quotas);

		for (j = 0; qs && j < qs->n; j++) {
			struct egress_quota *quota = &qs->quota[j];

			if (!egress_quota_counts(quota, rules[i]))
				continue;
			/* Rolled over first: the bytes count in today's period. */
			egress_quota_exhausted(quota, now);
			crossed = egress_quota_charge(quota, size->bytes);
			if (unlikely(crossed))
				egress_quota_mark_crossed(quota, crossed);
		}
	}
}

static unsigned int egress_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	/*
	 * Filled before they are read (the arrays' first n entries only): the
	 * zeroing the kernel's INIT_STACK_ALL_ZERO would add costs every
	 * packet 34 stores for the arrays and 4 for the rest, before the hook
	 * knows whether it judges the packet at all.
	 */
	const struct egress_rule *rules[EGRESS_POLICY_DEPTH_MAX + 1] __uninitialized;
	struct egress_policy *policy_buf[EGRESS_POLICY_DEPTH_MAX + 1] __uninitialized;
	struct egress_policy *const *policies;
	struct egress_rate_costs police_costs __uninitialized;
	struct egress_event_pkt ev __uninitialized;
	struct egress_conn_verdict conn __uninitialized;
	struct egress_wire_size size __uninitialized;
	struct egress_pkt pkt = {};
	struct egress_set *set;
	enum egress_outcome outcome;
	enum egress_shape_result res;
	bool encapsulation, ev_read = false;
	const struct net_device *out;
	struct cgroup *cgrp;
	unsigned int n;
	struct sock *sk;
	time64_t quota_now = 0;
	u64 denied_by, quota_denied_by = 0;
	/*
	 * conn's refused_by, in a register: conn itself lives in memory,
	 * and every packet tests this.
	 */
	u64 conn_refused = 0;
	u32 path_flags;
	int event;

	/* Netfilter hooks run inside rcu_read_lock(). */
	set = rcu_dereference(egress_live_set);
	if (!set || READ_ONCE(set->max_depth) < 0)
		return NF_ACCEPT;
	/*
	 * Loopback: by where the packet goes now.  NAT or mangle at OUTPUT
	 * may have routed it again since the hook's state was made (a DNAT
	 * from 127.0.0.1 to another host leaves state->out the loopback
	 * device).
	 */
	out = skb_dst(skb) ? skb_dst(skb)->dev : state->out;
	if (out && (out->flags & IFF_LOOPBACK) &&
	    !READ_ONCE(egress_judge_loopback))
		return NF_ACCEPT;
	/*
	 * A VRF's own pass, which it makes with its own device as the hook's
	 * output (the route already names the real device): the VRF then
	 * sends the packet on, unchanged, through LOCAL_OUT towards the real
	 * device, where it is judged; or delivers it locally.
	 */
	if (state->out && netif_is_l3_master(state->out))
		return NF_ACCEPT;
	sk = egress_pass_sender(skb, state, &encapsulation);
	if (!sk)
		return NF_ACCEPT;
	cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	if (!cgrp)
		return NF_ACCEPT;

	n = egress_cache_policies(set, cgrp, policy_buf, &policies, &path_flags);
	if (!n)
		return NF_ACCEPT;
	/*
	 * What a tunnel carries paid the rate limits when it entered the
	 * tunnel; its outer packets are judged and counted, not charged again.
	 */
	if (encapsulation)
		path_flags &= ~(EGRESS_PATH_POLICE | EGRESS_PATH_SHAPE |
				EGRESS_PATH_QUOTA | EGRESS_PATH_QUOTA_RATE |
				EGRESS_PATH_CONN);

	if (state->pf == NFPROTO_IPV4)
		egress_pkt_from_ipv4(&pkt, skb);
	else
		egress_pkt_from_ipv6(&pkt, skb);
	egress_wire_size(skb, state, &size);
	if (unlikely(egress_source_foreign(sk, skb, state)))
		outcome = egress_decide_foreign(policies, n, rules, &denied_by);
	else if (!egress_decide(policies, n, &pkt, &size, rules, &denied_by))
		outcome = EGRESS_DENIED;
	else
		outcome = EGRESS_ALLOWED;
	/* Paths without quotas or rate limits, most of them, skip it all. */
	if (unlikely(path_flags)) {
		/*
		 * Before the rate limits: a refused connection costs them
		 * nothing.  One they drop stays charged; its SYN is sent
		 * again, and its close releases it.
		 */
		bool conn_admitted = false;

		if (outcome == EGRESS_ALLOWED &&
		    (path_flags & EGRESS_PATH_CONN) &&
		    egress_pkt_opens_conn(sk, &pkt)) {
			if (!egress_conn_admit(sk, policies, rules, n, &conn))
				outcome = EGRESS_CONNLIMITED;
			conn_refused = conn.refused_by;
			conn_admitted = true;
		}
		if (path_flags & EGRESS_PATH_QUOTA) {
			quota_now = egress_quota_now();
			if (outcome == EGRESS_ALLOWED &&
			    egress_quota_denies(policies, rules, n, quota_now,
						&denied_by, &quota_denied_by))
				outcome = EGRESS_DENIED;
		}
		if (outcome == EGRESS_ALLOWED &&
		    (path_flags & EGRESS_PATH_POLICE) &&
		    !egress_rate_admit(policies, n, &size, police_costs.level))
			outcome = EGRESS_RATELIMITED;
		if (outcome == EGRESS_ALLOWED &&
		    (path_flags & (EGRESS_PATH_SHAPE |
				   EGRESS_PATH_QUOTA_RATE))) {
			/*
			 * Once queued, the packet may leave and be freed at
			 * any moment: what an event would say of it is read
			 * first (a listener may join meanwhile).
			 */
			if (denied_by || conn_refused) {
				egress_event_pkt_read(skb, &pkt, &ev);
				ev_read = true;
			}
			res = egress_shape(policies,
					   path_flags & EGRESS_PATH_QUOTA_RATE ?
					   rules : NULL,
					   n, quota_now, &size, skb, state);
			outcome = egress_shape_outcome(res);
			/* Not sent after all: what police levels gave back. */
			if (outcome == EGRESS_RATELIMITED &&
			    (path_flags & EGRESS_PATH_POLICE))
				egress_rate_refund(policies, n,
						   police_costs.level);
		}
		if ((outcome == EGRESS_ALLOWED || outcome == EGRESS_SHAPED) &&
		    (path_flags & EGRESS_PATH_QUOTA))
			egress_quota_charge_path(policies, rules, n, quota_now,
						 &size);
		/* A connection is attempted when its first SYN leaves. */
		if (conn_admitted && conn.entry &&
		    (outcome == EGRESS_ALLOWED || outcome == EGRESS_SHAPED))
			egress_conn_attempted(conn.entry);
	}
	egress_charge(policies, rules, n, denied_by, outcome, &size);
	if (pkt.proto == IPPROTO_TCP && outcome == EGRESS_ALLOWED)
		egress_tcp_health(sk, policies, rules, n, size.packets,
				  path_flags);
	/* Allowed by every level: no event to give, nothing to refuse. */
	if (likely(outcome == EGRESS_ALLOWED && !denied_by &&
		   !conn_refused))
		return NF_ACCEPT;

	event = egress_outcome_event(outcome, denied_by);
	/*
	 * A packet gives one event.  An audit limit's counts and speaks only
	 * for a SYN that left: a level that dropped it has the news.
	 */
	if (unlikely(conn_refused) && outcome != EGRESS_CONNLIMITED) {
		if (outcome == EGRESS_ALLOWED || outcome == EGRESS_SHAPED) {
			egress_charge_would_connlimit(policies, n, conn_refused,
						      &size);
			event = NF_EGRESS_EVENT_WOULD_CONNLIMIT;
		} else {
			conn_refused = 0;
		}
	}
	if (event >= 0 && egress_events_listened()) {
		if (!ev_read)
			egress_event_pkt_read(skb, &pkt, &ev);
		if (conn_refused)
			egress_conn_event_report(&ev, cgrp, &pkt, policies,
						 rules, &conn, event);
		else
			egress_event_report(&ev, cgrp, &pkt, policies, rules,
					    n, denied_by, quota_denied_by,
					    event);
	}

	switch (outcome) {
	case EGRESS_DENIED:
	case EGRESS_CONNLIMITED:
		/* connect() fails at once, as for a denied destination. */
		return egress_deny_verdict(sk);
	case EGRESS_RATELIMITED:
		return egress_ratelimit_verdict();
	case EGRESS_SHAPED:
		/* Counted already: it leaves from the queue's timer. */
		return NF_STOLEN;
	default:
		return NF_ACCEPT;
	}
}

#ifdef NF_EGRESS_HOOK_COST
/*
 * The measurement build of `make hook-cost` (bench/hook_cost.sh): the hook
 * timed with ktime_get_ns() for every packet of the length hook_cost_len,
 * keeping the shortest time, and the shortest of an empty interval beside
 * it, which the script subtracts.  Under QEMU's -icount the guest's clock
 * counts executed instructions, so the shortest time of a path is its
 * exact instruction count; interrupts only ever add to a sample.
 */
static unsigned long egress_hook_cost_len;
module_param_named(hook_cost_len, egress_hook_cost_len, ulong, 0644);
static unsigned long egress_hook_cost_min = ULONG_MAX;
module_param_named(hook_cost_min, egress_hook_cost_min, ulong, 0644);
static unsigned long egress_hook_cost_clock_min = ULONG_MAX;
module_param_named(hook_cost_clock_min, egress_hook_cost_clock_min, ulong, 0644);

static unsigned int egress_hook_timed(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	unsigned int len = skb->len;	/* the hook may free the packet */
	u64 t0 = ktime_get_ns();
	u64 t1 = ktime_get_ns();
	unsigned int verdict = egress_hook(priv, skb, state);
	u64 t2 = ktime_get_ns();

	if (len != READ_ONCE(egress_hook_cost_len))
		return verdict;
	if (t2 - t1 < READ_ONCE(egress_hook_cost_min))
		WRITE_ONCE(egress_hook_cost_min, t2 - t1);
	if (t1 - t0 < READ_ONCE(egress_hook_cost_clock_min))
		WRITE_ONCE(egress_hook_cost_clock_min, t1 - t0);
	return verdict;
}

#define EGRESS_HOOK_FN egress_hook_timed
#else
#define EGRESS_HOOK_FN egress_hook
#endif

/*
 * Last on LOCAL_OUT.  After the filter tables, so nftables and iptables see
 * (and may drop) packets first and nf_egress counts only what they let
 * through; and after everything else, because a shaped packet is stolen
 * and later handed straight to the hook's continuation (state->okfn), which
 * skips every hook that would have run after this one.
 */
#define EGRESS_HOOK_PRIORITY NF_IP_PRI_LAST

static const struct nf_hook_ops egress_nf_ops[] = {
	{
		.hook		= EGRESS_HOOK_FN,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= EGRESS_HOOK_PRIORITY,
	},
	{
		.hook		= EGRESS_HOOK_FN,
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
	unregister_pernet_subsys(&egress_net_ops);
	/*
	 * Unregistering takes the hooks off every namespace's list but does
	 * not wait for a CPU still running one (the entries are freed after a
	 * grace period).  Netfilter hooks run under rcu_read_lock(): once
	 * this returns none of ours runs, and nothing the hook uses (the
	 * family an event goes out on, the policy sets) is freed under it.
	 */
	synchronize_rcu();
}
