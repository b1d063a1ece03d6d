/* Real mode's TCP transport on a GLib main loop: authenticated frames to and from the other
 * nodes, one outgoing connection per server node dialled (reconnected with backoff), replies to
 * clients on the connection they came from. Nothing here blocks the loop: a frame that cannot
 * leave now (an unreachable peer, a full buffer) is dropped, and the protocols retransmit. */
#ifndef RS_NET_TRANSPORT_H
#define RS_NET_TRANSPORT_H

#include "addrs.h"
#include "frame.h"

typedef struct net_transport_cb {
  /* An authenticated frame for local node `to` from `from`: the codec's bytes. */
  void (*deliver)(void *ctx, rs_node_id from, rs_node_id to, uint64_t id, const uint8_t *bytes, size_t len);
  /* A frame refused before any node saw it: `from` as claimed (RS_NO_NODE when it cannot be
   * trusted at all), `to` the local node it was for (RS_NO_NODE: none). */
  void (*refuse)(void *ctx, rs_node_id from, rs_node_id to, const char *why);
  /* Optional: the turn of the main loop ends; what is sent now leaves with the turn's frames. */
  void (*turn_end)(void *ctx);
  void *ctx;
} net_transport_cb;

typedef struct net_transport net_transport;

/* `local` lists the node ids this process hosts (one server, or the clients of `real` and
 * `client`). The key and the addresses must outlive the transport. */
net_transport *net_transport_new(const net_key *key, const net_addrs *addrs, const rs_node_id *local, guint n_local,
                                 const net_transport_cb *cb);
void net_transport_free(net_transport *t);
/* Listens on address:port. False with a message ("127.0.0.1:7402: Address already in use"). */
bool net_transport_listen(net_transport *t, const char *address, guint16 port, char **err);
/* Queues the codec's `bytes` from local `from` to `to`. False when it was dropped at once (no
 * route: a peer not reachable now, a client never seen, a buffer full). */
bool net_transport_send(net_transport *t, rs_node_id from, rs_node_id to, uint64_t id, const uint8_t *bytes,
                        size_t len);
/* Writes what the connections hold now, as the flusher does at the end of every turn. */
void net_transport_flush(net_transport *t);
/* Bytes queued on connections and not yet written (the end of a run waits for them). */
gsize net_transport_pending(const net_transport *t);

#endif
