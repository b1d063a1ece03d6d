/* Command-line values the subcommands share a rule for. */
#include "cli_args.h"
#include "scenario/scenario.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>

bool cli_seconds_option(const char *cmd, const char *option, const char *text, double dflt,
                        double *out)
{
  if (!text) {
    *out = dflt;
    return true;
  }
  double v = 0;
  if (!scenario_parse_duration(text, &v) || !isfinite(v) || v < 0) {
    fprintf(stderr, "%s: %s '%s': must be a number of seconds, 0 or more (e.g. 30, 2.5s, 10m)\n",
            cmd, option, text);
    return false;
  }
  *out = v;
  return true;
}
