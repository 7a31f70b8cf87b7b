// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/nf_egress/ in the initial network namespace.
 *
 * stats:    a header line naming the columns, then one line per policy:
 *           cgroup allowed_packets allowed_bytes denied_packets denied_bytes
 *           would_deny_packets would_deny_bytes ratelimited_packets
 *           ratelimited_bytes shaped_packets shaped_bytes queue_packets
 *           max_delay_ns template connlimit_packets connlimit_bytes
 *           conn_active tcp_attempts tcp_established tcp_refused
 *           tcp_timed_out tcp_unreachable tcp_reset tcp_syn_retrans
 *           tcp_data_retrans (health.h); a template's line is followed by one
 *           line per instance, whose cgroup is the instance's concrete
 *           path and template the template's pattern ("-" on other lines)
 * policies: one "policy PATH mode MODE default VERDICT rules N" line per
 *           policy (followed by " rate BYTES_PER_SEC burst BYTES pps N
 *           police|shape" when it has a rate limit; pps 0 is none; shape
 *           adds " queue PACKETS latency_us N"; a template then has
 *           " instances N max M"; connection limits end the line with
 *           " conn max_active N rate N burst N", 0 for none, and a
 *           class's with " conn_class NAME max_active N rate N burst N"),
 *           each
 *           followed by its rules in id order as
 *           "  rule ID ACTION [PROTO] to CIDR [port N[-M]] [class NAME]".
 *
 * Paths are escaped as in /proc/mounts (space, tab, newline and backslash
 * become octal escapes), so every line splits on whitespace.  Columns are
 * only ever added at the end of a line.
 *
 * stats is open to everyone, like systemd's per-unit IP accounting.
 * policies lists rules, which tell where a confined service may send: it
 * opens only with CAP_NET_ADMIN in the initial user namespace, as
 * nftables' listings need.  Both hold egress_config_mutex only within one
 * read(), and policies walks one record per rule, resuming where the
 * previous read() stopped: a reader of a policy with a million rules does
 * not keep an administrator waiting.
 */

#include <linux/capability.h>
#include <linux/in.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include <linux/nf_egress.h>

#include "class.h"
#include "policy.h"
#include "proc.h"

static struct proc_dir_entry *egress_proc_dir;

static struct egress_policy *egress_proc_stats_first(void)
{
	return list_first_entry_or_null(&egress_live_set_locked()->policies,
					struct egress_policy, list_node);
}

/*
 * The line after @policy's: a template's first instance, an instance's
 * next one, or the next policy.  The packet path adds instances at the end
 * of a template's list meanwhile; only the mutex holder removes them.
 */
static struct egress_policy *egress_proc_stats_after(struct egress_policy *policy)
{
	struct list_head *policies = &egress_live_set_locked()->policies;
	struct egress_policy *template = policy, *next = NULL;

	if (egress_policy_is_instance(policy)) {
		template = policy->config;
		next = list_next_or_null_rcu(&template->tmpl->instances,
					     &policy->list_node,
					     struct egress_policy, list_node);
	} else if (policy->tmpl) {
		next = list_first_or_null_rcu(&policy->tmpl->instances,
					      struct egress_policy, list_node);
	}
	if (next)
		return next;
	if (list_is_last(&template->list_node, policies))
		return NULL;
	return list_next_entry(template, list_node);
}

/*
 * Holds egress_config_mutex from start to stop.  No __acquires() annotation:
 * mutex_lock() has none in 6.1, so sparse would count an imbalance.
 */
static void *egress_proc_start(struct seq_file *m, loff_t *pos)
{
	struct egress_policy *policy;
	loff_t n = *pos;

	mutex_lock(&egress_config_mutex);
	if (!n)
		return SEQ_START_TOKEN;
	policy = egress_proc_stats_first();
	while (policy && --n) {
		policy = egress_proc_stats_after(policy);
		cond_resched();
	}
	return policy;
}

static void *egress_proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	if (v == SEQ_START_TOKEN)
		return egress_proc_stats_first();
	return egress_proc_stats_after(v);
}

static void egress_proc_stop(struct seq_file *m, void *v)
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
	const struct egress_policy *policy = v;
	struct egress_counters_sum sum;
	struct egress_health *health;
	int i;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "cgroup");
		/* Columns are added at the end only: connlimit comes last. */
		for (i = 0; i < EGRESS_CTR_CONNLIMIT; i++)
			seq_printf(m, " %s_packets %s_bytes",
				   egress_counter_info[i].name,
				   egress_counter_info[i].name);
		seq_puts(m, " queue_packets max_delay_ns template");
		seq_puts(m, " connlimit_packets connlimit_bytes conn_active");
		for (i = 0; i < EGRESS_HEALTH_MAX; i++)
			seq_printf(m, " tcp_%s", egress_health_name[i]);
		seq_putc(m, '\n');
		return 0;
	}
	egress_counters_sum(policy->stats, &sum);
	egress_proc_put_path(m, policy);
	for (i = 0; i < EGRESS_CTR_CONNLIMIT; i++)
		seq_printf(m, " %llu %llu", sum.count[i].packets,
			   sum.count[i].bytes);
	seq_printf(m, " %u %llu ", READ_ONCE(policy->shaper.queued),
		   READ_ONCE(policy->stats->max_delay_ns));
	if (egress_policy_is_instance(policy))
		egress_proc_put_path(m, policy->config);
	else
		seq_putc(m, '-');
	seq_printf(m, " %llu %llu %u",
		   sum.count[EGRESS_CTR_CONNLIMIT].packets,
		   sum.count[EGRESS_CTR_CONNLIMIT].bytes,
		   atomic_read(&policy->stats->conn.active));
	health = egress_health_peek(&policy->stats->health);
	for (i = 0; i < EGRESS_HEALTH_MAX; i++)
		seq_printf(m, " %lld",
			   health ? atomic64_read(&health->ctr[i]) : 0);
	seq_putc(m, '\n');
	return 0;
}

static const char *egress_proto_name(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	return "any";
}

static void egress_proc_put_rule(struct seq_file *m,
				 const struct egress_set *set,
				 const struct egress_rule *rule)
{
	seq_printf(m, "  rule %u %s ", rule->id,
		   egress_verdict_name(rule->action));
	if (rule->proto)
		seq_printf(m, "%s ", egress_proto_name(rule->proto));
	if (rule->family == NFPROTO_IPV4)
		seq_printf(m, "to %pI4/%u", &rule->addr.ip, rule->prefix_len);
	else
		seq_printf(m, "to %pI6c/%u", &rule->addr.in6, rule->prefix_len);
	if (rule->has_ports && rule->port_min == rule->port_max)
		seq_printf(m, " port %u", rule->port_min);
	else if (rule->has_ports)
		seq_printf(m, " port %u-%u", rule->port_min, rule->port_max);
	if (rule->class_id)
		seq_printf(m, " class %s", egress_class_name(rule->class_id));
	seq_putc(m, '\n');
}

/*
 * Where a read of "policies" is: a policy's header line, or one of its
 * rules.  The pointers are good while the mutex is held (from start to
 * stop); across reads the cursor is the policy's creation number and the
 * rule's id, so a read resumes where the previous one stopped, even if
 * policies or rules came or went in between.
 */
struct egress_proc_cursor {
	loff_t pos;		/* the record the cursor is at */
	u64 policy_seq;		/* U64_MAX: past the last policy */
	unsigned long rule_id;
	bool header;		/* at the policy's header, not a rule */
	struct egress_policy *policy;
	struct egress_rule *rule;
};

/* The cursor at the header of the first policy created at or after @seq. */
static void *egress_proc_seek_policy(struct egress_proc_cursor *c, u64 seq)
{
	struct egress_policy *policy;

	c->header = true;
	c->rule = NULL;
	list_for_each_entry(policy, &egress_live_set_locked()->policies,
			    list_node) {
		if (policy->seq >= seq) {
			c->policy = policy;
			c->policy_seq = policy->seq;
			return c;
		}
	}
	c->policy = NULL;
	c->policy_seq = U64_MAX;
	return NULL;
}

/* The cursor at the first rule of c->policy with id >= @id, or further. */
static void *egress_proc_seek_rule(struct egress_proc_cursor *c,
				   unsigned long id)
{
	c->rule = egress_ruleset_next(&c->policy->rules, &id);
	if (!c->rule)
		return egress_proc_seek_policy(c, c->policy_seq + 1);
	c->header = false;
	c->rule_id = id;
	return c;
}

static void *egress_proc_cursor_next(struct egress_proc_cursor *c)
{
	c->pos++;
	return egress_proc_seek_rule(c, c->header ? 0 : c->rule_id + 1);
}

/* Holds egress_config_mutex from start to stop (see egress_proc_start()). */
static void *egress_proc_policies_start(struct seq_file *m, loff_t *pos)
{
	struct egress_proc_cursor *c = m->private;
	bool header = c->header;
	u64 seq = c->policy_seq;
	void *v;

	mutex_lock(&egress_config_mutex);
	if (*pos && *pos == c->pos) {
		/* Resume: the same record, or the one after it if it went. */
		if (seq == U64_MAX || !egress_proc_seek_policy(c, seq))
			return NULL;
		if (c->policy_seq != seq || header)
			return c;
		return egress_proc_seek_rule(c, c->rule_id);
	}
	/* From the start: a first read, or a seek. */
	c->pos = 0;
	v = egress_proc_seek_policy(c, 0);
	while (v && c->pos < *pos) {
		v = egress_proc_cursor_next(c);
		cond_resched();
	}
	return v;
}

static void *egress_proc_policies_next(struct seq_file *m, void *v,
				       loff_t *pos)
{
	++*pos;
	return egress_proc_cursor_next(v);
}

static int egress_proc_policies_show(struct seq_file *m, void *v)
{
	const struct egress_set *set = egress_live_set_locked();
	struct egress_proc_cursor *c = v;
	struct egress_policy *policy = c->policy;
	const struct egress_conn_limit *conn;
	const struct egress_rate *rate;
	unsigned int i;

	if (!c->header) {
		egress_proc_put_rule(m, set, c->rule);
		return 0;
	}
	seq_puts(m, "policy ");
	egress_proc_put_path(m, policy);
	seq_printf(m, " mode %s default %s rules %u",
		   policy->mode == NF_EGRESS_MODE_AUDIT ? "audit" : "enforce",
		   egress_verdict_name(policy->default_verdict),
		   policy->rules.count);
	rate = rcu_dereference_protected(policy->rate,
					 lockdep_is_held(&egress_config_mutex));
	if (rate)
		seq_printf(m, " rate %llu burst %u pps %u %s",
			   rate->bytes_per_sec, rate->burst, rate->pps,
			   rate->mode == NF_EGRESS_RATE_POLICE ? "police" : "shape");
	if (rate && rate->mode == NF_EGRESS_RATE_SHAPE)
		seq_printf(m, " queue %u latency_us %llu", rate->queue_limit,
			   div_u64(rate->latency_ns, NSEC_PER_USEC));
	if (policy->tmpl)
		seq_printf(m, " instances %u max %u",
			   egress_template_instance_count(policy),
			   READ_ONCE(policy->tmpl->max));
	conn = rcu_dereference_protected(policy->conn,
					 lockdep_is_held(&egress_config_mutex));
	for (i = 0; conn && i < conn->n; i++) {
		const struct egress_conn_rule *r = &conn->rule[i];

		if (r->class_id)
			seq_printf(m, " conn_class %s",
				   egress_class_name(r->class_id));
		else
			seq_puts(m, " conn");
		seq_printf(m, " max_active %u rate %u burst %u", r->max_active,
			   r->rate, r->burst);
	}
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations egress_proc_stats_ops = {
	.start	= egress_proc_start,
	.next	= egress_proc_next,
	.stop	= egress_proc_stop,
	.show	= egress_proc_stats_show,
};

static const struct seq_operations egress_proc_policies_ops = {
	.start	= egress_proc_policies_start,
	.next	= egress_proc_policies_next,
	.stop	= egress_proc_stop,
	.show	= egress_proc_policies_show,
};

static int egress_proc_policies_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	return seq_open_private(file, &egress_proc_policies_ops,
				sizeof(struct egress_proc_cursor));
}

static const struct proc_ops egress_proc_policies_fops = {
	.proc_open	= egress_proc_policies_open,
	.proc_read_iter	= seq_read_iter,
	.proc_lseek	= seq_lseek,
	.proc_release	= seq_release_private,
};

int __init egress_proc_init(void)
{
	egress_proc_dir = proc_mkdir("nf_egress", init_net.proc_net);
	if (!egress_proc_dir)
		return -ENOMEM;
	if (!proc_create_seq("stats", 0444, egress_proc_dir,
			     &egress_proc_stats_ops) ||
	    !proc_create("policies", 0444, egress_proc_dir,
			 &egress_proc_policies_fops)) {
		remove_proc_subtree("nf_egress", init_net.proc_net);
		return -ENOMEM;
	}
	return 0;
}

void egress_proc_exit(void)
{
	remove_proc_subtree("nf_egress", init_net.proc_net);
}
