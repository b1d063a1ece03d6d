/* A bounded EDN reader: the values of a Jepsen history (maps, vectors, lists, sets, keywords,
 * strings, numbers, nil, booleans, characters, symbols, tagged values), with their lines. */
#ifndef RS_EDN_READ_H
#define RS_EDN_READ_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDN_MAX_DEPTH 64 /* nesting bound: a history's values are shallow, garbage must not recurse */

typedef enum edn_kind {
  EDN_NIL,
  EDN_BOOL,
  EDN_INT,     /* an integer; `text` keeps it as written (digits beyond 64 bits included) */
  EDN_FLOAT,
  EDN_STRING,  /* `text`: the decoded string */
  EDN_CHAR,    /* `text`: the character, as UTF-8 */
  EDN_KEYWORD, /* `text`: the name without its colon ("type", "replsim/model") */
  EDN_SYMBOL,
  EDN_LIST,
  EDN_VECTOR,
  EDN_MAP,     /* items: key, value, key, value ... */
  EDN_SET,
  EDN_TAGGED,  /* `text`: the tag; items[0]: the value */
} edn_kind;

typedef struct edn_value {
  edn_kind kind;
  long line;           /* where the value starts, 1-based */
  bool b;              /* EDN_BOOL */
  bool big;            /* EDN_INT: does not fit in 64 bits (i is then 0) */
  int64_t i;           /* EDN_INT */
  double f;            /* EDN_FLOAT */
  char *text;
  struct edn_value **items;
  size_t n;
} edn_value;

typedef struct edn_reader edn_reader;

/* Reads from `buf` (not copied: it must outlive the reader). */
edn_reader *edn_reader_new(const char *buf, size_t len);
void edn_reader_free(edn_reader *r);
/* The next top-level value in *out. False at the end (*out NULL, *err NULL) or on malformed
 * input (*err "LINE: what is wrong", with the line number first). */
bool edn_next(edn_reader *r, edn_value **out, char **err);
void edn_value_free(edn_value *v);

/* The value under keyword `name` in a map, or NULL. O(entries). */
const edn_value *edn_map_get(const edn_value *map, const char *name);
/* The value as EDN text ("nil", "3", ":ok", "\"a\"", "[1 2]"), for values that are compared. */
char *edn_print(const edn_value *v);

#endif
