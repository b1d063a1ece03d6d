/* The one node interface: a kind's table and its struct behind one handle (the only place in the
 * code that chooses by node kind is rs_node_new). */
#include "node.h"

struct rs_node {
  const rs_node_ops *ops;
  void *impl;
  uint8_t kind;
  rs_store *store; /* replicas: the host's store, read by rs_node_report */
  rs_host host;
};

rs_node *rs_node_new(const rs_node_spec *spec, const rs_host *host, rs_store *store)
{
  rs_node *n = g_new0(rs_node, 1);
  n->kind = spec->kind;
  n->store = store;
  n->host = *host;
  switch ((rs_node_kind)spec->kind) {
  case RS_NODE_REGISTRY:
    n->ops = &rs_registry_node_ops;
    n->impl = rs_registry_new(&spec->registry, host);
    break;
  case RS_NODE_VIEW_SERVICE:
    n->ops = &vs_node_ops;
    n->impl = vs_new(&spec->view_service, host);
    break;
  case RS_NODE_PB_REPLICA:
    n->ops = &pb_node_ops;
    n->impl = pb_new(&spec->pb, host, store);
    break;
  case RS_NODE_QUORUM_REPLICA:
    n->ops = &quorum_node_ops;
    n->impl = quorum_replica_new(&spec->quorum, host, store);
    break;
  case RS_NODE_CLIENT:
    n->ops = &rs_client_node_ops;
    n->impl = rs_client_node_new(&spec->client, host);
    break;
  case RS_NODE_VOTE_SERVER:
    n->ops = &vote_server_node_ops;
    n->impl = vote_server_new(&spec->vote_server, host, store);
    break;
  case RS_NODE_VOTER:
    n->ops = &rs_voter_node_ops;
    n->impl = rs_voter_new(&spec->voter, host);
    break;
  }
  return n;
}

void rs_node_free(rs_node *n)
{
  if (!n)
    return;
  n->ops->free(n->impl);
  g_free(n);
}

void rs_node_start(rs_node *n) { n->ops->start(n->impl); }
void rs_node_handle(rs_node *n, rs_node_id from, const rs_msg *m) { n->ops->handle(n->impl, from, m); }
void rs_node_timer(rs_node *n, int timer) { n->ops->timer(n->impl, timer); }

void rs_node_durable(rs_node *n, uint64_t upto)
{
  if (n->ops->durable)
    n->ops->durable(n->impl, upto);
}

void rs_node_stop(rs_node *n)
{
  if (n->ops->stop)
    n->ops->stop(n->impl);
}

bool rs_node_busy(const rs_node *n)
{
  return n->ops->busy && n->ops->busy(n->impl);
}

void rs_node_report(rs_node *n, const char *const *keys, size_t n_keys)
{
  if (n->store)
    rs_store_report(n->store, &n->host, keys, n_keys, !n->ops->current || n->ops->current(n->impl));
}

rs_node_kind rs_node_kind_of(const rs_node *n) { return (rs_node_kind)n->kind; }
const char *rs_node_kind_name(const rs_node *n) { return n->ops->kind; }
void *rs_node_impl(const rs_node *n) { return n->impl; }
