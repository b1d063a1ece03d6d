/* A client node: the client that talks to the cluster and the driver that tells it what to do. */
#ifndef RS_CLIENT_NODE_H
#define RS_CLIENT_NODE_H

#include "driver.h"

/* The client's and the driver's configurations; their callbacks are the node's business. A driver
 * config with neither workload nor steps makes a client driven by hand (rs_client_submit on
 * rs_client_node_client): a test, or a one-shot command-line client. */
typedef struct rs_client_node_config {
  rs_client_config client;
  rs_driver_config driver;
} rs_client_node_config;

typedef struct rs_client_node rs_client_node;

rs_client_node *rs_client_node_new(const rs_client_node_config *cfg, const rs_host *host);
void rs_client_node_free(rs_client_node *c);
rs_client *rs_client_node_client(const rs_client_node *c);
rs_driver *rs_client_node_driver(const rs_client_node *c);

#endif
