/* Where each server node of a scenario listens in real mode: its host's address (--hosts FILE,
 * else 127.0.0.1) and port 7400 + its position (registry 0, view service 1, replicas from 2), or
 * the port= of its element. Clients listen nowhere: they connect out. A hosts line may go on
 * after the address with a command prefix for `real` (`node-2 10.77.0.2 ip netns exec m2`): the
 * node processes of that host are started under it. */
#ifndef RS_NET_ADDRS_H
#define RS_NET_ADDRS_H

#include "scenario/deploy.h"

#include <glib.h>

#define NET_BASE_PORT 7400

typedef struct net_addr {
  char *address; /* an IP address; NULL for a node that is no server (a client) */
  guint16 port;
  char **launch; /* the hosts file's words after the address: the command `real` starts this
                  * node's process under (`ip netns exec m2`); NULL: none */
} net_addr;

typedef struct net_addrs {
  net_addr *by_id; /* index: the plan's node id, then one more: `replsim client`'s */
  guint n;
} net_addrs;

/* Builds the table for `d` (made from `sc`). False with "FILE:LINE: why" (or "SCENARIO: why"
 * for two nodes on one address and port) in `err`. */
bool net_addrs_load(const scenario *sc, const deploy *d, const char *hosts_path, net_addrs *out, char **err);
void net_addrs_clear(net_addrs *a);

#endif
