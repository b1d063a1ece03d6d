/* The violation viewer: one self-contained HTML page (no network fetch) that shows, for each key
 * the checker could not linearize, its operations as bars on a time axis, the longest
 * linearizable prefix in order, the operation that cannot be placed and the model's state. */
#ifndef RS_HTML_VIEWER_H
#define RS_HTML_VIEWER_H

#include "analysis/linearize.h"
#include "trace/facts.h"
#include "trace/history.h"

#include <stdbool.h>

/* What the page is about: the input's name, its format and the model it was checked against. */
typedef struct html_meta {
  const char *input, *format, *model;
  bool positions; /* the history had no times: the axis is the order of the operations */
} html_meta;

/* Writes the page to `path` (whole or not at all). Keys without a violation are listed with
 * their verdicts; each violating key (the first HTML_MAX_KEYS) gets its picture, with the
 * facts' fault windows shaded. False with "PATH: reason" in `err`. */
bool html_write_violations(const char *path, const html_meta *m, const history *h,
                           const trace_facts *f, const lin_result *r, char **err);

#define HTML_MAX_KEYS 20

#endif
