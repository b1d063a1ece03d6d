/* Exports of a run for the viewers people already use: Perfetto (Chrome trace-event JSON) and
 * ShiViz (a log of events with vector clocks). Both stream the trace, whole or not at all. */
#ifndef RS_EXPORT_H
#define RS_EXPORT_H

#include <stdbool.h>

/* Writes `out` from `trace` as Chrome trace-event JSON ({"traceEvents": [...]}), which opens in
 * ui.perfetto.dev and chrome://tracing: a process per node (named by a process_name metadata
 * event), a slice at each send and each receipt with a flow arrow from one to the other, instants
 * for drops, faults and role changes, each client operation as an async slice on its client's
 * process, and the run line (scenario, seed...) in "otherData". Times are microseconds of
 * simulated time. False with "FILE:LINE: what is wrong" (or "PATH: reason") in `err`. */
bool export_perfetto(const char *trace, const char *out, char **err);

/* Writes `out` from `trace` as a ShiViz log: the parsing regex on the first line (named groups
 * host, clock, event), a blank line, then one event a line: `HOST {"HOST":n,...} what`. Each
 * host's own clock entry rises by exactly one per event; a receipt first takes the maximum with
 * the clock the message was sent with. A node that crashed and starts again is a new host
 * (`r1#2`, `r1#3`...), since ShiViz wants a host's clock never to restart. */
bool export_shiviz(const char *trace, const char *out, char **err);

/* The regex on the first line of every ShiViz log written here. */
#define EXPORT_SHIVIZ_REGEX "(?<host>\\S+) (?<clock>\\{[^}]*\\}) (?<event>.*)"

#endif
