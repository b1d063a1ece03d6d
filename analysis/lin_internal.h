/* Private to the checker's files: values, models, the search's state, shared between them. */
#ifndef RS_LIN_INTERNAL_H
#define RS_LIN_INTERNAL_H

#include "analysis/linearize.h"
#include "core/types.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define LIN_NO_STATUS (-1)   /* the answer carries no status, so there is none to compare */
#define LIN_CLOCK_EVERY 64 /* search steps between two readings of the clock (a step over long appended values costs microseconds) */
#define LIN_SHOW_CHARS 64    /* longest value shown in a report, in bytes */
#define LIN_SHOW_PREFIX 12   /* prefix operations shown in a report (the last ones) */
#define LIN_LINES_MAX 16     /* concurrent operations whose lines a violation lists, each side */
#define LIN_MAX_CONFIGS (1u << 24) /* a memory bound: 512 MB of configurations for one key */
#define LIN_MAX_STRING_BYTES ((size_t)256 << 20) /* and 256 MB of distinct values (appends) */
#define LIN_NONE UINT32_MAX
#define LIN_SLICE_FIRST 0.02 /* seconds of the first turn each key gets (then twice as long) */

/* Strings of one key, each named by a small integer so that a model state is two integers and
 * compares in O(1). Id 0 stands for no value (NULL). */
typedef struct lin_strings {
  GHashTable *ids; /* char* (owned by strs) -> id */
  GPtrArray *strs; /* id -> char* */
  size_t bytes;    /* held by strs: the search's other memory bound (appended values grow) */
} lin_strings;

typedef struct lin_sop {
  const hist_op *h;
  uint8_t kind;      /* rs_op_kind */
  bool checked;      /* ok: its answer must be the model's; info/pending: not checked */
  bool pure;         /* checked, and its answer says it changed nothing */
  int status;        /* rs_status answered (RS_ST_NONE if unrecognized), or LIN_NO_STATUS */
  uint32_t arg;      /* value written, put, appended or set by cas */
  uint32_t expected; /* cas */
  uint32_t out;      /* value read */
  double t_call, t_ret;
} lin_sop;

typedef enum lin_role { LIN_DROP = 0, LIN_CHECKED, LIN_UNCHECKED } lin_role;

/* A model state: a kind (files: absent, live, deleted; kv: unused) and a value id. */
typedef uint64_t lin_state;
enum { LIN_ABSENT = 0, LIN_LIVE = 1, LIN_DELETED = 2 };

static inline lin_state lin_mk(uint32_t kind, uint32_t id)
{
  return ((uint64_t)kind << 32) | id;
}
static inline uint32_t lin_kind(lin_state s)
{
  return (uint32_t)(s >> 32);
}
static inline uint32_t lin_id(lin_state s)
{
  return (uint32_t)s;
}

/* What the model answers: a status and, for reads, a value. */
typedef struct lin_answer {
  int status;
  bool has_value;
  uint32_t value;
} lin_answer;

typedef struct lin_model {
  const char *name;
  bool (*has_op)(rs_op_kind k);
  /* Runs `op` from `s`: returns the next state and fills the model's answer. */
  lin_state (*apply)(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans);
  void (*describe)(const lin_strings *strs, lin_state s, GString *out);
} lin_model;

/* A configuration is remembered by a 128-bit hash of its placed set (the XOR of a random 128-bit
 * tag per op, kept up to date in O(1) per placement) and its exact state: 32 bytes, however many
 * ops are pending. Two different sets share a hash with probability 2^-128 per pair; a collision
 * could only prune a branch still worth exploring (a false violation), never accept a history
 * wrongly. Porcupine compares whole bitsets instead, which costs O(ops) bytes a configuration. */
typedef struct lin_set_hash {
  uint64_t a, b;
} lin_set_hash;

typedef struct lin_memo_entry {
  lin_set_hash set;
  lin_state state;
  uint32_t next; /* entry index + 1 of the next one in the bucket; 0: none */
} lin_memo_entry;

typedef struct lin_memo {
  uint32_t *buckets; /* entry index + 1; 0: empty */
  uint32_t mask;
  GArray *entries;   /* lin_memo_entry */
} lin_memo;

typedef struct lin_deadline {
  lin_clock_fn clock;
  void *ctx;
  double start, limit;
  uint32_t tick;
  bool expired;
} lin_deadline;

/* A decision point: the unplaced checked op whose return comes first (`urgent`: it has to be
 * placed before anything that returns later), that return's node (`end`) and time. The checked
 * candidates are the calls before `end`; the unchecked ones, those called no later than `t_end`.
 * O(concurrency) to find. */
typedef struct lin_window {
  uint32_t urgent, end;
  double t_end;
} lin_window;

/* Where the search stands: the state and the placed set's hash. */
typedef struct lin_cursor {
  lin_state state;
  lin_set_hash set;
} lin_cursor;

/* Two lists of nodes. The checked list holds the calls and returns of checked ops in time order;
 * the unchecked list holds the calls of unchecked ops (their returns are at +infinity, so they
 * never force anything). Node 0 heads the first, node 2n + 1 the second; 1 + i is op i's call,
 * 1 + n + i its return. Placing an op takes its nodes out (lin_lift), undoing puts them back. */
typedef struct lin_frame {
  uint32_t op;
  bool forced;     /* a pure op: the configuration below it has no other way out */
  lin_state state; /* the state before the op was placed */
} lin_frame;

typedef struct lin_search {
  const lin_model *model;
  lin_strings strs;
  lin_sop *ops; /* sorted by invocation */
  uint32_t n, uhead;
  uint32_t *next, *prev; /* both lists, circular through their heads */
  uint32_t *rank;        /* a checked op's return's position in time order */
  lin_set_hash *tag;     /* a random 128-bit tag per op: a set hashes to the XOR of its tags */
  GArray *stack;         /* lin_frame: the placed ops, in linearization order */
  lin_memo memo;
  uint32_t *best, best_len, agree; /* longest prefix seen; stack[0..agree) == best[0..agree) */
  uint32_t unplaced_checked;       /* checked ops not placed yet: the search ends at zero */
  lin_deadline *deadline;
  lin_state init;                  /* the model's state before any op */
  /* Where the search loop stands, so that a search stopped by its deadline can go on. */
  bool started, decide, exhausted; /* exhausted: the memory bound ran out, for good */
  lin_cursor cur;
  lin_window win;
  uint32_t cand;
  uint32_t pure_from; /* lin_place_pure starts after this node (0: the head); see there */
} lin_search;

void lin_strings_init(lin_strings *s);
void lin_strings_clear(lin_strings *s);
uint32_t lin_intern(lin_strings *s, const char *str);
uint32_t lin_intern_take(lin_strings *s, char *owned);
const char *lin_string(const lin_strings *s, uint32_t id);
void lin_show_value(GString *out, const char *v);
bool lin_is_read(rs_op_kind k);
lin_role lin_classify(const hist_op *o, rs_op_kind kind);
lin_sop lin_sop_make(const hist_op *o, rs_op_kind kind, lin_role role, lin_strings *strs);
const lin_model *lin_model_find(const char *app);
/* chat (lin_model_chat.c) */
bool lin_chat_has_op(rs_op_kind k);
lin_state lin_chat_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans);
void lin_chat_describe(const lin_strings *strs, lin_state s, GString *out);
/* Each answered list as a read of every account ("registered" or "absent"), added to `by_key`
 * (and `keys`, sorted again); the returned array owns the operations made (lin_chat_lists.c). */
GPtrArray *lin_chat_project_lists(const history *h, GHashTable *by_key, GPtrArray *keys);
bool lin_step(const lin_model *m, lin_strings *strs, lin_state s, const lin_sop *op,
                     lin_state *next);
bool lin_deadline_now(lin_deadline *d);
bool lin_deadline_passed(lin_deadline *d);
void lin_search_init(lin_search *s, const lin_model *m, lin_deadline *d);
void lin_search_ready(lin_search *s);
void lin_search_clear(lin_search *s);
lin_verdict lin_search_run(lin_search *s);
lin_violation *lin_explain(lin_search *s);
void lin_violation_free(lin_violation *v);

#endif
