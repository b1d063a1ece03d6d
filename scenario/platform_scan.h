/* Lists the hosts and links a SimGrid platform file defines, without loading SimGrid. */
#ifndef RS_PLATFORM_SCAN_H
#define RS_PLATFORM_SCAN_H

#include <glib.h>
#include <stdbool.h>

/* Reads the SimGrid platform XML at `path` and appends (as owned char*) to `hosts` every host it
 * defines (<host id>, <peer id>, and the expanded prefix/radical/suffix of <cluster> and
 * <cabinet>) and to `links` every link name sg_link_by_name accepts (<link id>, or id_UP and
 * id_DOWN for a SPLITDUPLEX link; a flat <cluster>'s ID_link_N, its _UP/_DOWN halves, _loopback,
 * _limiter and ID_backbone; <backbone id>), all in file order. On failure returns false and sets
 * *err to "PATH: cannot be read: REASON" or "PATH:LINE: WHAT". */
bool platform_scan(const char *path, GPtrArray *hosts, GPtrArray *links, char **err);

/* Expands a SimGrid radical ("0-99", "1-8,10") into `out` (int); false if malformed or huge. */
bool platform_expand_radical(const char *radical, GArray *out);

#endif
