/* The client history as Jepsen's history.edn, so Knossos or Elle can re-check a run. */
#ifndef RS_EDN_H
#define RS_EDN_H

#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

/* Writes one map per line, invocations and completions interleaved in trace order:
 *   {:type :invoke, :f :write, :value ["u1" "abc"], :process 0, :time 1250000000, :index 0,
 *    :node "c1", :name "F1"}
 *   {:type :ok, :f :write, :value ["u1" "abc"], :process 0, :time 1350000000, :index 1,
 *    :node "c1", :name "F1", :status "SUCCESS", :version 4}
 * :type is :invoke, :ok, :fail or :info; :f the operation; :value ["key" v] (Jepsen's
 * independent-key tuples) where v is the value written, put or appended, nil for a delete and
 * for a read's invocation, the value read on a read's :ok (nil for null or absent), and
 * ["expected" "new"] for a cas; :time integer nanoseconds of simulated time; :index the line's
 * position. :process numbers clients in order of first appearance, and (as Jepsen does for a
 * crashed worker) gives a client a fresh number after an operation of unknown outcome (:info),
 * since Knossos and Elle take a process to run one operation at a time; :node keeps the client's
 * name. Operations still pending at the end have no completion line. When `model` is given the
 * first map also carries :replsim/model "MODEL" (a namespaced key other readers ignore), so that
 * `replsim check history.edn` checks against the model the run was checked against. */
bool edn_write_history(const history *h, const char *model, FILE *out);
/* The same into `path` (created or truncated). False with "PATH: reason" in `err`. */
bool edn_write_history_file(const history *h, const char *model, const char *path, char **err);

/* Appends `s` as an EDN string: in double quotes, with \" \\ \n \r \t \b \f escaped as Clojure
 * prints them and every other character as is; a byte that is not valid UTF-8 becomes the
 * Latin-1 character of that byte (as the trace writer does), so the output is always UTF-8.
 * NULL appends nil. */
void edn_append_string(GString *out, const char *s);

#endif
