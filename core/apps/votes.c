/* The votes application (seed 002): ballots opened by the primary, votes counted once per voter
 * while a ballot is open, results fixed when it closes. Replicated like any app (snapshot,
 * restore, digest), so a promoted backup holds every ballot and vote its primary ordered. */
#include "votes.h"

#include "app_util.h"

#include <stdio.h>
#include <string.h>

#define VOTES_MAGIC 0x56 /* 'V' */
#define VOTES_VERSION 1

typedef struct votes_state {
  GTree *ballots;      /* &seq -> votes_ballot* */
  GPtrArray *ordered;  /* scratch for votes_ballots */
  char answer[48];     /* the last "<yes> <no>" answered */
  GString *whole;      /* the last ballot written whole (votes_entry, replay) */
  char whole_key[24], whole_name[16];
} votes_state;

static gint cmp_seq(gconstpointer a, gconstpointer b, gpointer unused)
{
  (void)unused;
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void free_ballot(gpointer p)
{
  votes_ballot *b = p;
  g_array_free(b->voters, TRUE);
  g_free(b);
}

static void *votes_create(void)
{
  votes_state *s = g_new0(votes_state, 1);
  s->ballots = g_tree_new_full(cmp_seq, NULL, NULL, free_ballot);
  s->ordered = g_ptr_array_new();
  s->whole = g_string_new(NULL);
  return s;
}

static void votes_destroy(void *state)
{
  votes_state *s = state;
  g_tree_destroy(s->ballots);
  g_ptr_array_free(s->ordered, TRUE);
  g_string_free(s->whole, TRUE);
  g_free(s);
}

bool votes_parse_u64(rs_bytes b, uint64_t *out)
{
  if (!b.ptr || b.len == 0 || b.len > 19)
    return false;
  uint64_t v = 0;
  for (uint32_t i = 0; i < b.len; i++) {
    if (b.ptr[i] < '0' || b.ptr[i] > '9')
      return false;
    v = v * 10 + (uint64_t)(b.ptr[i] - '0');
  }
  *out = v;
  return true;
}

const votes_ballot *votes_find(void *state, uint64_t seq)
{
  return g_tree_lookup(((votes_state *)state)->ballots, &seq);
}

static votes_ballot *add_ballot(votes_state *s, uint64_t seq, uint32_t opener)
{
  votes_ballot *b = g_tree_lookup(s->ballots, &seq);
  if (b)
    return b;
  b = g_new0(votes_ballot, 1);
  b->seq = seq;
  b->opener = opener;
  b->voters = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  g_tree_insert(s->ballots, &b->seq, b);
  return b;
}

/* Whether `voter` voted already; otherwise where it goes in the ascending list. */
static bool has_voted(const votes_ballot *b, uint32_t voter, guint *at)
{
  guint i = 0;
  while (i < b->voters->len && g_array_index(b->voters, uint32_t, i) < voter)
    i++;
  *at = i;
  return i < b->voters->len && g_array_index(b->voters, uint32_t, i) == voter;
}

static gboolean collect(gpointer key, gpointer value, gpointer data)
{
  (void)key;
  g_ptr_array_add(data, value);
  return FALSE;
}

GPtrArray *votes_ballots(void *state)
{
  votes_state *s = state;
  g_ptr_array_set_size(s->ordered, 0);
  g_tree_foreach(s->ballots, collect, s->ordered);
  return s->ordered;
}

uint64_t votes_last_seq(void *state)
{
  votes_state *s = state;
  GTreeNode *last = g_tree_node_last(s->ballots);
  return last ? *(const uint64_t *)g_tree_node_key(last) : 0;
}

static void answer_counts(votes_state *s, const votes_ballot *b, rs_result *out)
{
  g_snprintf(s->answer, sizeof s->answer, "%u %u", b->yes, b->no);
  out->value = rs_bytes_str(s->answer);
}

static void execute_vote(votes_state *s, const rs_op *op, uint64_t seq, rs_result *out)
{
  uint64_t voter = 0, opener = 0;
  bool yes = rs_bytes_eq_str(op->value, "yes");
  if (!votes_parse_u64(op->name, &voter) || (!yes && !rs_bytes_eq_str(op->value, "no"))) {
    out->status = RS_ST_BAD_REQUEST;
    return;
  }
  votes_parse_u64(op->expected, &opener);
  votes_ballot *b = add_ballot(s, seq, (uint32_t)opener);
  if (b->closed) {
    out->status = RS_ST_BALLOT_CLOSED;
    answer_counts(s, b, out);
    return;
  }
  guint at;
  if (!has_voted(b, (uint32_t)voter, &at)) {
    uint32_t v = (uint32_t)voter;
    g_array_insert_val(b->voters, at, v);
    if (yes)
      b->yes++;
    else
      b->no++;
  }
}

/* Reads one decimal number of a ballot written whole, then `sep` or the end of the value (which
 * `last` allows); at most 19 digits, at most `max`. */
static bool whole_number(const char **p, const char *end, char sep, bool last, uint64_t max, uint64_t *out)
{
  const char *start = *p;
  uint64_t v = 0;
  while (*p < end && **p >= '0' && **p <= '9' && *p - start < 19)
    v = v * 10 + (uint64_t)(*(*p)++ - '0');
  if (*p == start || v > max)
    return false;
  if (*p < end) {
    if (**p != sep || *p + 1 == end)
      return false;
    (*p)++;
  } else if (!last) {
    return false;
  }
  *out = v;
  return true;
}

/* "C Y N[ v1,v2,...]": closed (0 or 1), the counts and the voters in ascending order, as
 * whole_value writes it: the ballot is replaced by exactly that. False (nothing changed) when
 * malformed. */
static bool install_whole(votes_state *s, uint64_t seq, uint64_t opener, rs_bytes v)
{
  const char *p = v.ptr, *end = v.ptr + v.len;
  uint64_t closed, yes, no;
  if (!whole_number(&p, end, ' ', false, 1, &closed) || !whole_number(&p, end, ' ', false, UINT32_MAX, &yes) ||
      !whole_number(&p, end, ' ', true, UINT32_MAX, &no))
    return false;
  GArray *voters = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  uint64_t prev = 0, id;
  bool ok = true;
  while (ok && p < end) {
    ok = whole_number(&p, end, ',', true, UINT32_MAX, &id) && (voters->len == 0 || id > prev);
    uint32_t v32 = (uint32_t)id;
    if (ok)
      g_array_append_val(voters, v32);
    prev = id;
  }
  if (!ok || voters->len != yes + no) {
    g_array_free(voters, TRUE);
    return false;
  }
  votes_ballot *b = add_ballot(s, seq, (uint32_t)opener);
  b->opener = (uint32_t)opener;
  b->closed = closed;
  b->yes = (uint32_t)yes;
  b->no = (uint32_t)no;
  g_array_free(b->voters, TRUE);
  b->voters = voters;
  return true;
}

static void votes_execute(void *state, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  votes_state *s = state;
  (void)mode;
  memset(out, 0, sizeof *out);
  out->status = RS_ST_SUCCESS;
  out->version = version;
  uint64_t seq = 0, opener = 0;
  if (!votes_parse_u64(op->key, &seq)) {
    out->status = RS_ST_BAD_REQUEST;
    return;
  }
  votes_ballot *b = g_tree_lookup(s->ballots, &seq);
  switch (op->kind) {
  case RS_OP_OPEN:
    votes_parse_u64(op->name, &opener);
    if (op->value.len > 0) {
      /* A ballot written whole (real mode's store rebuilding a state; never sent by a server). */
      if (!install_whole(s, seq, opener, op->value))
        out->status = RS_ST_BAD_REQUEST;
      break;
    }
    add_ballot(s, seq, (uint32_t)opener);
    break;
  case RS_OP_VOTE:
    execute_vote(s, op, seq, out);
    break;
  case RS_OP_CLOSE:
    b = add_ballot(s, seq, b ? b->opener : 0);
    b->closed = true;
    answer_counts(s, b, out);
    break;
  case RS_OP_RESULT:
    out->version = 0;
    if (b && b->closed)
      answer_counts(s, b, out);
    break;
  default:
    out->status = RS_ST_BAD_REQUEST;
  }
}

static gboolean put_ballot(gpointer key, gpointer value, gpointer data)
{
  (void)key;
  const votes_ballot *b = value;
  GByteArray *out = data;
  rs_put_varint(out, b->seq);
  rs_put_varint(out, b->opener);
  rs_put_varint(out, b->closed);
  rs_put_varint(out, b->yes);
  rs_put_varint(out, b->no);
  rs_put_varint(out, b->voters->len);
  for (guint i = 0; i < b->voters->len; i++)
    rs_put_varint(out, g_array_index(b->voters, uint32_t, i));
  return FALSE;
}

static void votes_snapshot(void *state, GByteArray *out)
{
  votes_state *s = state;
  uint8_t head[2] = {VOTES_MAGIC, VOTES_VERSION};
  g_byte_array_append(out, head, 2);
  rs_put_varint(out, (uint64_t)g_tree_nnodes(s->ballots));
  g_tree_foreach(s->ballots, put_ballot, out);
}

static bool get_ballot(rs_reader *r, votes_state *s, uint64_t *last)
{
  uint64_t seq, opener, closed, yes, no, n;
  if (!rs_get_varint(r, UINT64_MAX, &seq) || !rs_get_varint(r, UINT32_MAX, &opener) ||
      !rs_get_varint(r, 1, &closed) || !rs_get_varint(r, UINT32_MAX, &yes) ||
      !rs_get_varint(r, UINT32_MAX, &no) || !rs_get_varint(r, UINT32_MAX, &n))
    return false;
  if (seq <= *last || yes + no != n)
    return rs_fail(r, "ballots out of order or counts that do not add up");
  *last = seq;
  votes_ballot *b = add_ballot(s, seq, (uint32_t)opener);
  b->closed = closed;
  b->yes = (uint32_t)yes;
  b->no = (uint32_t)no;
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t v;
    if (!rs_get_varint(r, UINT32_MAX, &v) || (i > 0 && v <= prev))
      return rs_fail(r, "voters out of order");
    uint32_t id = (uint32_t)v;
    g_array_append_val(b->voters, id);
    prev = v;
  }
  return true;
}

static bool votes_restore(void *state, const uint8_t *buf, size_t len)
{
  votes_state *s = state;
  votes_state *fresh = votes_create();
  rs_reader r = rs_reader_of(buf, len);
  uint64_t magic, version, n, last = 0;
  bool ok = rs_get_le(&r, 1, &magic) && magic == VOTES_MAGIC && rs_get_le(&r, 1, &version) &&
            version == VOTES_VERSION && rs_get_varint(&r, UINT32_MAX, &n);
  for (uint64_t i = 0; ok && i < n; i++)
    ok = get_ballot(&r, fresh, &last);
  ok = ok && r.p == r.end;
  if (ok) {
    GTree *t = s->ballots;
    s->ballots = fresh->ballots;
    fresh->ballots = t;
  }
  votes_destroy(fresh);
  return ok;
}

static gboolean hash_ballot(gpointer key, gpointer value, gpointer data)
{
  (void)key;
  const votes_ballot *b = value;
  uint64_t *h = data;
  *h = app_hash_u64(*h, b->seq);
  *h = app_hash_u64(*h, b->opener);
  *h = app_hash_u64(*h, b->closed);
  *h = app_hash_u64(*h, b->yes);
  *h = app_hash_u64(*h, b->no);
  for (guint i = 0; i < b->voters->len; i++)
    *h = app_hash_u64(*h, g_array_index(b->voters, uint32_t, i));
  return FALSE;
}

static uint64_t votes_digest(void *state)
{
  uint64_t h = APP_FNV_SEED;
  g_tree_foreach(((votes_state *)state)->ballots, hash_ballot, &h);
  return app_mix(h);
}

/* The open update that recreates `b` whole: value "C Y N v1,v2,..." (install_whole). */
static void whole_op(votes_state *s, const votes_ballot *b, rs_op *out)
{
  g_snprintf(s->whole_key, sizeof s->whole_key, "%" G_GUINT64_FORMAT, b->seq);
  g_snprintf(s->whole_name, sizeof s->whole_name, "%u", b->opener);
  g_string_printf(s->whole, "%d %u %u ", b->closed ? 1 : 0, b->yes, b->no);
  for (guint i = 0; i < b->voters->len; i++)
    g_string_append_printf(s->whole, "%s%u", i ? "," : "", g_array_index(b->voters, uint32_t, i));
  if (b->voters->len == 0)
    g_string_truncate(s->whole, s->whole->len - 1);
  *out = (rs_op){.kind = RS_OP_OPEN, .key = rs_bytes_str(s->whole_key), .name = rs_bytes_str(s->whole_name),
                 .value = {s->whole->str, (uint32_t)s->whole->len}};
}

static bool votes_entry(void *state, rs_bytes key, rs_op *out, uint64_t *version)
{
  votes_state *s = state;
  uint64_t seq;
  const votes_ballot *b = votes_parse_u64(key, &seq) ? g_tree_lookup(s->ballots, &seq) : NULL;
  *version = 0;
  if (!b)
    return false;
  whole_op(s, b, out);
  return true;
}

typedef struct replay_ctx {
  votes_state *s;
  void (*fn)(void *arg, const rs_op *op, uint64_t version);
  void *arg;
} replay_ctx;

static gboolean replay_ballot(gpointer key, gpointer value, gpointer data)
{
  (void)key;
  replay_ctx *c = data;
  rs_op op;
  whole_op(c->s, value, &op);
  c->fn(c->arg, &op, 0);
  return FALSE;
}

/* Every ballot as the one update that recreates it whole, in seq order. */
static bool votes_replay(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version),
                         void *arg)
{
  votes_state *s = votes_create();
  bool ok = votes_restore(s, buf, len);
  replay_ctx c = {s, fn, arg};
  if (ok)
    g_tree_foreach(s->ballots, replay_ballot, &c);
  votes_destroy(s);
  return ok;
}

const rs_app_ops rs_app_votes = {
    .name = "votes",
    .read_kind = RS_OP_RESULT,
    .create = votes_create,
    .destroy = votes_destroy,
    .execute = votes_execute,
    .snapshot = votes_snapshot,
    .restore = votes_restore,
    .digest = votes_digest,
    .replay = votes_replay,
    .entry = votes_entry,
};
