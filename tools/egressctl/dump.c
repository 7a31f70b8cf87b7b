// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "dump.h"
#include "egressctl.h"

/* Grow *arr to hold one more element of size elem. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, ncap * elem);

		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return (char *)*arr + (*n)++ * elem;
}

static void dump_state_reset(struct dump_state *st)
{
	size_t i;

	for (i = 0; i < st->npolicies; i++) {
		free(st->policies[i].path);
		free(st->policies[i].template);
		free(st->policies[i].quotas);
		free(st->policies[i].conns);
	}
	for (i = 0; i < st->nrules; i++)
		free(st->rules[i].path);
	for (i = 0; i < st->nstats; i++) {
		struct stats_entry *s = &st->stats[i];
		size_t k;

		free(s->path);
		free(s->template);
		for (k = 0; k < s->nclasses; k++)
			free(s->classes[k].health.buckets);
		free(s->classes);
		free(s->health.buckets);
		free(s->quotas);
	}
	for (i = 0; i < st->nhealths; i++) {
		free(st->healths[i].path);
		free(st->healths[i].health.buckets);
	}
	st->npolicies = st->nrules = st->nstats = st->nhealths = 0;
	st->filter_template[0] = '\0';
	st->filter_exact = false;
	st->have_generation = false;
	st->generation_changed = false;
	st->rules_denied = false;
}

void dump_state_free(struct dump_state *st)
{
	dump_state_reset(st);
	free(st->policies);
	free(st->rules);
	free(st->stats);
	free(st->healths);
	st->policies = NULL;
	st->rules = NULL;
	st->stats = NULL;
	st->healths = NULL;
	st->policies_cap = st->rules_cap = st->stats_cap = 0;
	st->healths_cap = 0;
}

static void note_generation(struct dump_state *st, bool has, uint32_t gen)
{
	if (!has)
		return;
	if (st->have_generation && st->generation != gen)
		st->generation_changed = true;
	st->have_generation = true;
	st->generation = gen;
}

/*
 * Note a message's generation; false when the filter leaves its path out
 * (the kernel may or may not filter by path; we always do).
 */
static bool keep_message(struct dump_state *st, bool has_generation,
			 uint32_t generation, const char *path)
{
	note_generation(st, has_generation, generation);
	return !st->filter || !strcmp(st->filter, path);
}

/*
 * A copy of an instance's template pattern (NULL for NULL): 0 or -ENOMEM.
 * Of the instance the filter names, also st->filter_template.
 */
static int copy_template(struct dump_state *st, const char *path,
			 const char *template, char **copy)
{
	*copy = NULL;
	if (st->filter && !strcmp(st->filter, path)) {
		if (!template)
			st->filter_exact = true;
		else
			snprintf(st->filter_template,
				 sizeof(st->filter_template), "%s", template);
	}
	if (!template)
		return 0;
	*copy = strdup(template);
	return *copy ? 0 : -ENOMEM;
}

/*
 * A new zeroed element of size elem at the end of *arr, with a copy of
 * path in *copy; NULL without memory.
 */
static void *new_entry(void **arr, size_t *n, size_t *cap, size_t elem,
		       const char *path, char **copy)
{
	void *e = grow(arr, n, cap, elem);

	if (!e)
		return NULL;
	memset(e, 0, elem);
	*copy = strdup(path);
	if (!*copy) {
		(*n)--;
		return NULL;
	}
	return e;
}

static int conn_cb(const struct egress_conn *c, void *data)
{
	struct policy_entry *p = data;

	p->conns[p->nconns++] = *c;
	return 0;
}

static int policy_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_policy_msg m;
	struct policy_entry *p;
	char *path;

	if (egress_decode_policy(nlh, &m))
		return -EBADMSG;
	if (!keep_message(st, m.has_generation, m.generation, m.path) &&
	    !(st->with_instances && m.template &&
	      !strcmp(m.template, st->filter)))
		return 0;
	p = new_entry((void **)&st->policies, &st->npolicies,
		      &st->policies_cap, sizeof(*p), m.path, &path);
	if (!p)
		return -ENOMEM;
	p->path = path;
	p->seq = st->npolicies - 1;
	if (copy_template(st, m.path, m.template, &p->template))
		return -ENOMEM;
	p->has_instances_max = m.has_instances_max;
	p->instances_max = m.instances_max;
	p->has_instance_count = m.has_instance_count;
	p->instance_count = m.instance_count;
	p->has_instances_keep = m.has_instances_keep;
	p->instances_keep = m.instances_keep;
	p->has_default = m.has_default;
	p->default_verdict = m.default_verdict;
	p->has_mode = m.has_mode;
	p->mode = m.mode;
	p->has_rate = m.has_rate;
	p->rate = m.rate;
	if (m.nconns) {
		p->conns = calloc(m.nconns, sizeof(*p->conns));
		if (!p->conns)
			return -ENOMEM;
		/* validated by the decoder: no error */
		egress_policy_for_each_conn(nlh, conn_cb, p);
		qsort(p->conns, p->nconns, sizeof(*p->conns), egress_conn_cmp);
	}
	p->quotas = NULL;
	p->nquotas = 0;
	if (m.nquotas) {
		p->quotas = malloc(m.nquotas * sizeof(*p->quotas));
		if (!p->quotas)
			return -ENOMEM;
		memcpy(p->quotas, m.quotas, m.nquotas * sizeof(*p->quotas));
		p->nquotas = m.nquotas;
	}
	return 0;
}

static int rule_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_rule_msg m;
	const char *owner;
	struct rule_entry *r;
	char *path;

	if (egress_decode_rule(nlh, &m))
		return -EBADMSG;
	owner = m.path;
	if (!keep_message(st, m.has_generation, m.generation, m.path)) {
		/* an instance's rules under its template's pattern */
		if (!st->filter_template[0] || st->filter_exact ||
		    strcmp(m.path, st->filter_template))
			return 0;
		owner = st->filter;
	}
	r = new_entry((void **)&st->rules, &st->nrules, &st->rules_cap,
		      sizeof(*r), owner, &path);
	if (!r)
		return -ENOMEM;
	r->path = path;
	r->id = m.id;
	r->spec = m.spec;
	r->has_stats = m.has_stats;
	r->stats = m.stats;
	return 0;
}

/* A health nest's counters and a copy of its buckets: 0 or -ENOMEM. */
static int copy_health(struct health_entry *e,
		       const struct egress_health_msg *m)
{
	e->h = m->h;
	e->buckets = NULL;
	e->nbuckets = 0;
	if (!m->nbuckets)
		return 0;
	e->buckets = calloc(m->nbuckets, sizeof(*e->buckets));
	if (!e->buckets)
		return -ENOMEM;
	egress_health_buckets(m, e->buckets);
	e->nbuckets = m->nbuckets;
	return 0;
}

static int class_cb(const struct egress_class_msg *c, void *data)
{
	struct stats_entry *s = data;
	struct class_entry *e = &s->classes[s->nclasses++];

	snprintf(e->name, sizeof(e->name), "%s", c->name);
	e->ctr = c->ctr;
	e->has_conn_active = c->has_conn_active;
	e->conn_active = c->conn_active;
	return 0;
}

static int health_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_health_reply_msg m;
	struct health_reply *h;
	char *path;

	if (egress_decode_health(nlh, &m))
		return -EBADMSG;
	if (!keep_message(st, m.has_generation, m.generation, m.path))
		return 0;
	h = new_entry((void **)&st->healths, &st->nhealths, &st->healths_cap,
		      sizeof(*h), m.path, &path);
	if (!h)
		return -ENOMEM;
	h->path = path;
	h->instance = m.template != NULL;
	h->has_class = m.class_name != NULL;
	if (h->has_class)
		snprintf(h->class_name, sizeof(h->class_name), "%s",
			 m.class_name);
	return copy_health(&h->health, &m.health);
}

static int cmp_class(const void *a, const void *b)
{
	return strcmp(((const struct class_entry *)a)->name,
		      ((const struct class_entry *)b)->name);
}

static int stats_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_stats_msg m;
	struct stats_entry *s;
	char *path;

	if (egress_decode_stats(nlh, &m))
		return -EBADMSG;
	if (!keep_message(st, m.has_generation, m.generation, m.path))
		return 0;
	s = new_entry((void **)&st->stats, &st->nstats, &st->stats_cap,
		      sizeof(*s), m.path, &path);
	if (!s)
		return -ENOMEM;
	s->path = path;
	if (copy_template(st, m.path, m.template, &s->template))
		return -ENOMEM;
	if (m.counters.nclasses) {
		s->classes = calloc(m.counters.nclasses, sizeof(*s->classes));
		if (!s->classes) {
			free(s->path);
			free(s->template);
			st->nstats--;
			return -ENOMEM;
		}
	}
	s->allowed = m.counters.allowed;
	s->denied = m.counters.denied;
	s->would_deny = m.counters.would_deny;
	s->ratelimited = m.counters.ratelimited;
	s->has_shaping = m.counters.has_shaping;
	s->shaped = m.counters.shaped;
	s->queue_len = m.counters.queue_len;
	s->max_delay_ns = m.counters.max_delay_ns;
	s->has_conn = m.counters.has_conn;
	s->connlimit = m.counters.connlimit;
	s->conn_active = m.counters.conn_active;
	s->has_mode = m.has_mode;
	s->mode = m.mode;
	s->has_reset_time = m.counters.has_reset_time;
	s->reset_time = m.counters.reset_time;
	if (egress_stats_for_each_class(nlh, class_cb, s))
		return -EBADMSG;
	if (m.nquotas) {
		s->quotas = malloc(m.nquotas * sizeof(*s->quotas));
		if (!s->quotas)
			return -ENOMEM;
		memcpy(s->quotas, m.quotas, m.nquotas * sizeof(*s->quotas));
		s->nquotas = m.nquotas;
	}
	if (s->nclasses > 1)
		qsort(s->classes, s->nclasses, sizeof(*s->classes), cmp_class);
	return 0;
}

/*
 * By path; an instance after the policy of the same path (a cgroup may
 * have both, its instance made before the policy), which so gets the
 * path's rules: a RULE_GET lists those of policies and templates.
 */
static int cmp_path(const char *path_a, const char *template_a,
		    const char *path_b, const char *template_b)
{
	int c = strcmp(path_a, path_b);

	if (c || !template_a == !template_b)
		return c;
	return template_a ? 1 : -1;
}

static int cmp_policy(const void *a, const void *b)
{
	const struct policy_entry *x = a, *y = b;

	return cmp_path(x->path, x->template, y->path, y->template);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct rule_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_stats(const void *a, const void *b)
{
	const struct stats_entry *x = a, *y = b;

	return cmp_path(x->path, x->template, y->path, y->template);
}

/*
 * The listing order: by path, but an instance (template set) right after
 * its template, among the template's instances by its own path.
 */
static int cmp_listed(const char *path_a, const char *template_a,
		      const char *path_b, const char *template_b)
{
	int c = strcmp(template_a ? template_a : path_a,
		       template_b ? template_b : path_b);

	if (c)
		return c;
	if (!template_a != !template_b)
		return template_a ? 1 : -1;
	return strcmp(path_a, path_b);
}

static int cmp_policy_listed(const void *a, const void *b)
{
	const struct policy_entry *x = a, *y = b;

	return cmp_listed(x->path, x->template, y->path, y->template);
}

static int cmp_stats_listed(const void *a, const void *b)
{
	const struct stats_entry *x = a, *y = b;

	return cmp_listed(x->path, x->template, y->path, y->template);
}

/*
 * Sort st->rules and hang each element of arr (n of them, sorted by path,
 * each with path, rules and nrules members) on its run of rules.  Rules of
 * paths missing from arr are skipped.
 */
#define ATTACH_RULES(st, arr, n)					\
	do {								\
		size_t i_ = 0, o_;					\
									\
		if ((st)->nrules)					\
			qsort((st)->rules, (st)->nrules,		\
			      sizeof(*(st)->rules), cmp_rule);		\
		for (o_ = 0; o_ < (n); o_++) {				\
			const char *p_ = (arr)[o_].path;		\
									\
			while (i_ < (st)->nrules &&			\
			       strcmp((st)->rules[i_].path, p_) < 0)	\
				i_++;					\
			(arr)[o_].rules = &(st)->rules[i_];		\
			(arr)[o_].nrules = 0;				\
			while (i_ < (st)->nrules &&			\
			       !strcmp((st)->rules[i_].path, p_)) {	\
				(arr)[o_].nrules++;			\
				i_++;					\
			}						\
		}							\
	} while (0)

static struct nlmsghdr *build_dump(struct dump_state *st, uint8_t cmd,
				   const char *filter)
{
	struct nlmsghdr *nlh = egctl_msg(st->ctl, cmd, 0);

	if (filter && egress_put_path(nlh, NL_SEND_BUF_SIZE, filter))
		return NULL;
	return nlh;
}

/* RULE_GET of st->filter (or all); -EINTR when the attempt must be redone. */
static int dump_rules_once(struct dump_state *st)
{
	struct nlmsghdr *nlh = build_dump(st, NF_EGRESS_CMD_RULE_GET,
					  st->filter);
	int err;

	if (!nlh)
		return -EMSGSIZE;
	err = nl_dump_once(st->ctl->nl, nlh, rule_msg_cb, st);
	/* the filtered policy went away between the two dumps: start over */
	if (err == -ENOENT && st->filter)
		return -EINTR;
	/* the kernel's EPERM: the caller lacks CAP_NET_ADMIN */
	if (err == -EPERM && st->ctl->nl->ext.error == -EPERM)
		st->rules_denied = true;
	if (err)
		return err;
	return st->generation_changed ? -EINTR : 0;
}

static int policies_once(struct dump_state *st)
{
	struct nlmsghdr *nlh;
	int err;

	dump_state_reset(st);
	/*
	 * The UAPI documents no filter for the POLICY_GET dump, so take all
	 * policies and filter here.
	 */
	nlh = build_dump(st, NF_EGRESS_CMD_POLICY_GET, NULL);
	err = nl_dump_once(st->ctl->nl, nlh, policy_msg_cb, st);
	if (err)
		return err;
	if (st->filter && st->npolicies == 0)
		return -ENOENT;
	if (st->no_rules)
		return 0;
	return dump_rules_once(st);
}

int dump_policies(struct dump_state *st)
{
	int attempt, err = -EINTR;

	for (attempt = 0; attempt < NL_DUMP_ATTEMPTS && err == -EINTR; attempt++)
		err = policies_once(st);
	if (err)
		return err;
	if (st->npolicies)
		qsort(st->policies, st->npolicies, sizeof(*st->policies),
		      cmp_policy);
	ATTACH_RULES(st, st->policies, st->npolicies);
	/* the rules stay attached: they are pointers into st->rules */
	if (st->npolicies)
		qsort(st->policies, st->npolicies, sizeof(*st->policies),
		      cmp_policy_listed);
	return 0;
}

static int cmp_policy_key(const void *key, const void *elem)
{
	const struct stats_entry *s = key;
	const struct policy_entry *p = elem;

	return cmp_path(s->path, s->template, p->path, p->template);
}

/*
 * The policy of a stats entry, else for an instance its template's (a
 * policy dump without a filter lists no instances).  NULL if none.
 */
static const struct policy_entry *stats_policy(const struct dump_state *st,
					       const struct stats_entry *s)
{
	struct stats_entry tmpl = { 0 };
	const struct policy_entry *p;

	p = bsearch(s, st->policies, st->npolicies, sizeof(*st->policies),
		    cmp_policy_key);
	if (p || !s->template)
		return p;
	tmpl.path = s->template;
	return bsearch(&tmpl, st->policies, st->npolicies,
		       sizeof(*st->policies), cmp_policy_key);
}

/* Does the policy have a connection limit, of all or of a class? */
static bool has_conn_limit(const struct policy_entry *p)
{
	size_t i;

	for (i = 0; i < p->nconns; i++)
		if (p->conns[i].has_max || p->conns[i].has_rate)
			return true;
	return false;
}

/*
 * Set shape_rate and conn_limit of the stats entries whose policy has a
 * shaping limit or a connection limit.
 */
static void mark_policy_limits(struct dump_state *st)
{
	size_t i;

	if (st->npolicies)
		qsort(st->policies, st->npolicies, sizeof(*st->policies),
		      cmp_policy);
	for (i = 0; i < st->nstats; i++) {
		struct stats_entry *s = &st->stats[i];
		const struct policy_entry *p = stats_policy(st, s);

		s->shape_rate = p && p->has_rate &&
				p->rate.mode == NF_EGRESS_RATE_SHAPE;
		s->conn_limit = p && has_conn_limit(p);
	}
}

/* HEALTH_GET of st->filter (or all); -EINTR when the attempt must be redone. */
static int dump_health_once(struct dump_state *st)
{
	struct nlmsghdr *nlh = build_dump(st, NF_EGRESS_CMD_HEALTH_GET,
					  st->filter);
	int err;

	if (!nlh)
		return -EMSGSIZE;
	err = nl_dump_once(st->ctl->nl, nlh, health_msg_cb, st);
	/* a module older than the command: the counters without health */
	if (err == -EOPNOTSUPP && st->ctl->nl->ext.error == -EOPNOTSUPP)
		return 0;
	if (err)
		return err;
	return st->generation_changed ? -EINTR : 0;
}

static int stats_once(struct dump_state *st, bool rules)
{
	struct nlmsghdr *nlh;
	int err;

	dump_state_reset(st);
	nlh = build_dump(st, NF_EGRESS_CMD_STATS_GET, st->filter);
	if (!nlh)
		return -EMSGSIZE;
	err = nl_dump_once(st->ctl->nl, nlh, stats_msg_cb, st);
	if (err)
		return err;
	if (st->filter && st->nstats == 0)
		return -ENOENT;
	if (st->with_rates) {
		nlh = build_dump(st, NF_EGRESS_CMD_POLICY_GET, NULL);
		err = nl_dump_once(st->ctl->nl, nlh, policy_msg_cb, st);
		if (err)
			return err;
	}
	if (st->with_health) {
		err = dump_health_once(st);
		if (err)
			return err;
	}
	if (!rules)
		return st->generation_changed ? -EINTR : 0;
	err = dump_rules_once(st);
	/* counters without rules; the policy and stats dumps above went well */
	if (err == -EPERM && st->rules_denied) {
		while (st->nrules)
			free(st->rules[--st->nrules].path);
		return st->generation_changed ? -EINTR : 0;
	}
	return err;
}

static int cmp_class_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct class_entry *)elem)->name);
}

/*
 * Hang each health reply on its stats entry (st->stats sorted by
 * cmp_stats), or on that entry's class: its buckets move there.
 */
static void attach_health(struct dump_state *st)
{
	size_t i;

	for (i = 0; i < st->nhealths; i++) {
		struct health_reply *h = &st->healths[i];
		/* cmp_path tells an instance only by having a template */
		struct stats_entry key = {
			.path = h->path,
			.template = h->instance ? (char *)"" : NULL,
		};
		struct health_entry *to;
		struct class_entry *c;
		struct stats_entry *s;
		bool *has;

		s = bsearch(&key, st->stats, st->nstats, sizeof(*st->stats),
			    cmp_stats);
		if (!s)
			continue;
		to = &s->health;
		has = &s->has_health;
		if (h->has_class) {
			c = bsearch(h->class_name, s->classes, s->nclasses,
				    sizeof(*s->classes), cmp_class_name);
			if (!c)
				continue;
			to = &c->health;
			has = &c->has_health;
		}
		if (*has)
			continue;	/* a message twice: the first wins */
		*to = h->health;
		*has = true;
		h->health.buckets = NULL;
		h->health.nbuckets = 0;
	}
}

int dump_stats(struct dump_state *st, bool rules)
{
	int attempt, err = -EINTR;
	bool exact = false;
	size_t i;

	for (attempt = 0; attempt < NL_DUMP_ATTEMPTS && err == -EINTR; attempt++)
		err = stats_once(st, rules);
	if (err)
		return err;
	if (st->nstats)
		qsort(st->stats, st->nstats, sizeof(*st->stats), cmp_stats);
	attach_health(st);
	ATTACH_RULES(st, st->stats, st->nstats);
	/* a policy of the filter's path takes its rules (cmp_path) */
	for (i = 0; i < st->nstats; i++)
		exact |= !st->stats[i].template && st->filter &&
			 !strcmp(st->filter, st->stats[i].path);
	for (i = 0; i < st->nstats; i++) {
		struct stats_entry *s = &st->stats[i];

		/* sorted by cmp_path: the policy of the path comes first */
		s->path_has_policy = s->template && i && !s[-1].template &&
				     !strcmp(s[-1].path, s->path);
		s->rules_hidden = st->rules_denied;
		/* only a RULE_GET for its own path lists an instance's */
		s->rules_unlisted = rules && !st->rules_denied && s->template &&
				    (!st->filter || strcmp(st->filter, s->path) ||
				     exact);
	}
	if (st->with_rates)
		mark_policy_limits(st);
	if (st->nstats)
		qsort(st->stats, st->nstats, sizeof(*st->stats),
		      cmp_stats_listed);
	return 0;
}
