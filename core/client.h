/* A client: tags requests (client id, sequence number), retries on timeout, coordinates quorums. */
#ifndef RS_CLIENT_H
#define RS_CLIENT_H

#include "apps/app.h"
#include "host.h"

/* Timers this node arms; a driver on the same host uses numbers from RS_DRIVER_TIMER_BASE. */
enum { RS_CLIENT_TIMER_ATTEMPT = 0 };

typedef struct rs_client_config {
  rs_node_id self;
  rs_node_id registry;
  bool quorum;              /* coordinate quorums instead of talking to one replica */
  const rs_app_ops *app;    /* quorum: how to pick the latest of several answers */
  double timeout;           /* seconds an attempt may take */
  int attempts;             /* attempts before the outcome is unknown (info) */
  void (*on_ready)(void *arg);
  void (*on_done)(void *arg, rs_outcome outcome, const rs_result *res);
  void *arg;
} rs_client_config;

typedef struct rs_client rs_client;

rs_client *rs_client_new(const rs_client_config *cfg, const rs_host *host);
void rs_client_free(rs_client *c);
/* Asks the registry for the replicas; on_ready fires once the cluster answered. */
void rs_client_start(rs_client *c);
bool rs_client_ready(const rs_client *c);
bool rs_client_busy(const rs_client *c);
/* Starts one operation (one at a time). `replica` pins it to one replica (RS_NO_NODE: any). */
void rs_client_submit(rs_client *c, const rs_op *op, rs_node_id replica);
void rs_client_handle(rs_client *c, rs_node_id from, const rs_msg *m);
void rs_client_timer(rs_client *c, int timer);

#endif
