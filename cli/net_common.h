/* What `replsim node`, `real` and `client` share: loading a scenario with the same overrides, its
 * plan, addresses and key, so that every process of a cluster agrees on node ids and ports. */
#ifndef RS_NET_COMMON_H
#define RS_NET_COMMON_H

#include "net/addrs.h"
#include "net/frame.h"
#include "scenario/deploy.h"

typedef struct net_setup {
  scenario *sc;
  deploy *plan;
  net_addrs addrs;
  net_key key;
} net_setup;

/* Loads everything; false after printing "replsim CMD: why" (or FILE:LINE: why) on stderr. */
bool net_setup_load(net_setup *s, const char *cmd, const char *scenario_path, char **sets, const char *seed,
                    const char *hosts, const char *key);
void net_setup_clear(net_setup *s);
/* The scenario's server node names, for messages ("registry, view-service, r1, r2"). */
char *net_setup_servers(const net_setup *s);

#endif
