/* The nodes of a poll (app votes, seed 002): voters placed round-robin on the poll's hosts, and
 * the poll each vote server runs. */
#include "deploy.h"

#include <string.h>

static dp_node *add_voter(deploy *d, const char *name, const char *host)
{
  dp_node *n = g_new0(dp_node, 1);
  n->id = d->nodes->len;
  n->name = g_strdup(name);
  n->host = host;
  n->spec.kind = RS_NODE_VOTER;
  g_ptr_array_add(d->nodes, n);
  return n;
}

/* The vote servers the scenario starts with, in order: whom a voter sends its first votes to. */
static uint32_t servers(const deploy *d, rs_node_id *out)
{
  uint32_t count = 0;
  for (guint i = 0; i < d->nodes->len && count < RS_MAX_NODES; i++) {
    const dp_node *n = g_ptr_array_index(d->nodes, i);
    if (n->spec.kind == RS_NODE_VOTE_SERVER && !n->joining)
      out[count++] = n->id;
  }
  return count;
}

void deploy_add_voters(deploy *d, const scenario *sc)
{
  const sc_poll *p = &sc->poll;
  if (!p->present || d->app != &rs_app_votes)
    return;
  rs_node_id ids[RS_MAX_NODES];
  uint32_t n_servers = servers(d, ids);
  for (int i = 0; i < p->voters && i < RS_MAX_NODES; i++) {
    char name[24];
    g_snprintf(name, sizeof name, "v%d", i + 1);
    dp_node *n = add_voter(d, name, g_ptr_array_index(p->hosts, (guint)i % p->hosts->len));
    rs_voter_config *c = &n->spec.voter;
    c->self = n->id;
    c->yes = p->yes;
    /* A vote retried every heartbeat: a failover takes dead-after of them. */
    c->timeout = sc->heartbeat;
    c->attempts = sc->dead_after * 3 + 5;
    /* A result waits for an earlier ballot's as long as a failover and a deadline take. */
    c->gap_wait = p->deadline + sc->heartbeat * (sc->dead_after + 3);
    c->n_servers = n_servers;
    memcpy(c->servers, ids, n_servers * sizeof *ids);
  }
}

void deploy_fill_poll(deploy *d, const scenario *sc)
{
  const sc_poll *p = &sc->poll;
  if (!p->present)
    return;
  rs_poll_config poll = {.ballots = (uint64_t)p->ballots, .every = p->every, .deadline = p->deadline};
  for (guint i = 0; i < d->nodes->len; i++) {
    const dp_node *n = g_ptr_array_index(d->nodes, i);
    if (n->spec.kind == RS_NODE_VOTER && poll.n_voters < RS_MAX_NODES)
      poll.voters[poll.n_voters++] = n->id;
  }
  for (guint i = 0; i < d->nodes->len; i++) {
    dp_node *n = g_ptr_array_index(d->nodes, i);
    if (n->spec.kind != RS_NODE_VOTE_SERVER)
      continue;
    n->spec.vote_server.poll = poll;
    for (uint32_t k = 0; k < n->spec.pb.n_peers; k++) {
      const dp_node *peer = deploy_node(d, n->spec.pb.peers[k]);
      n->spec.vote_server.peer_names[k] = peer ? peer->name : NULL;
    }
  }
}
