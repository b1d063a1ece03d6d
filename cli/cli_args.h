/* Command-line values the subcommands share a rule for: seconds given as text, checked whole. */
#ifndef RS_CLI_ARGS_H
#define RS_CLI_ARGS_H

#include <stdbool.h>

/* Parses `text` (NULL: absent, giving `dflt`) as a finite time, 0 or more, into *out: seconds,
 * or with SimGrid's units as scenarios write them ("2.5s", "10m"). Anything else ("-1", "nan",
 * "inf", "5x", "") is refused with "CMD: OPTION ...: ..." on stderr, so that a bound or a window
 * is never silently something else. */
bool cli_seconds_option(const char *cmd, const char *option, const char *text, double dflt,
                        double *out);

#endif
