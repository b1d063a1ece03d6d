/* The benchmark's same-traffic baseline: bare SimGrid moving primary-backup blocking traffic the
 * way replsim's SimGrid engine does (a mailbox and a receiving actor per sender-receiver channel,
 * transfers started when sent), with no protocol code, no codec and no trace. */
#define _POSIX_C_SOURCE 200809L

#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Message kinds and their sizes on the wire, as bench/steady.xml's trace shows them (bytes). */
enum { REQ_WRITE, REQ_READ, REPLY_WRITE, REPLY_READ, FORWARD, FORWARD_REPLY, REPLICATE, ACK, N_KINDS };
static const uint32_t kind_bytes[N_KINDS] = {
    [REQ_WRITE] = 363, [REQ_READ] = 45, [REPLY_WRITE] = 12, [REPLY_READ] = 318,
    [FORWARD] = 363,   [FORWARD_REPLY] = 12, [REPLICATE] = 367, [ACK] = 7};

/* The envelope: who sent what about which operation, then the bytes (copied for every message,
 * as replsim copies each encoded message into its own packet). */
typedef struct packet {
  uint32_t from, to;
  uint8_t kind;
  uint32_t client, origin;
  uint64_t op;
  uint32_t len;
  uint8_t bytes[];
} packet;

typedef struct node node;

typedef struct channel {
  node *to;
  uint32_t from;
  sg_mailbox_t mailbox;
} channel;

/* A replica (ids 0..R-1, 0 is the primary) or a client (ids R..R+C-1). */
struct node {
  uint32_t id;
  sg_host_t host;
  uint64_t rng;
  /* client */
  uint64_t done, op;
  /* primary: acks still owed for the operation each client has under way */
  uint32_t *acks_owed;
  uint32_t *origin_of;
};

static uint32_t n_replicas, n_clients, n_nodes;
static uint64_t ops_per_client;
static node *nodes;
static channel **channels; /* [to * n_nodes + from] */
static uint64_t delivered, lost;
static uint8_t zeros[512];

static uint64_t next_random(node *n)
{
  n->rng ^= n->rng << 13;
  n->rng ^= n->rng >> 7;
  n->rng ^= n->rng << 17;
  return n->rng;
}

static void packet_lost(void *data)
{
  lost++;
  free(data);
}

static void channel_actor(int argc, char *argv[]);

static channel *channel_to(uint32_t from, uint32_t to)
{
  channel **slot = &channels[(size_t)to * n_nodes + from];
  if (!*slot) {
    channel *ch = calloc(1, sizeof *ch);
    ch->to = &nodes[to];
    ch->from = from;
    char name[64];
    snprintf(name, sizeof name, "%u<-%u", to, from);
    ch->mailbox = sg_mailbox_by_name(name);
    *slot = ch;
    sg_actor_t a = sg_actor_init(name, nodes[to].host);
    sg_actor_set_data(a, ch);
    sg_actor_start(a, channel_actor, 0, NULL);
  }
  return *slot;
}

static void send_msg(uint32_t from, uint32_t to, uint8_t kind, uint32_t client, uint32_t origin, uint64_t op)
{
  uint32_t len = kind_bytes[kind];
  packet *p = malloc(sizeof *p + len);
  *p = (packet){.from = from, .to = to, .kind = kind, .client = client, .origin = origin, .op = op, .len = len};
  memcpy(p->bytes, zeros, len);
  sg_comm_t c = sg_mailbox_put_init(channel_to(from, to)->mailbox, p, len);
  sg_comm_detach(c, packet_lost);
}

/* A client's next operation: a write or a read, at a replica drawn at random. */
static void client_next(node *c)
{
  if (c->done >= ops_per_client)
    return;
  c->op++;
  uint32_t replica = (uint32_t)(next_random(c) % n_replicas);
  bool write = next_random(c) % 2;
  send_msg(c->id, replica, write ? REQ_WRITE : REQ_READ, c->id, replica, c->op);
}

/* The primary orders a write: to every backup, then waits for all their acks. */
static void primary_order(node *p, uint32_t client, uint32_t origin, uint64_t op)
{
  if (n_replicas == 1) {
    send_msg(p->id, client, REPLY_WRITE, client, origin, op);
    return;
  }
  p->acks_owed[client - n_replicas] = n_replicas - 1;
  p->origin_of[client - n_replicas] = origin;
  for (uint32_t b = 1; b < n_replicas; b++)
    send_msg(p->id, b, REPLICATE, client, origin, op);
}

static void handle(node *n, const packet *m)
{
  switch (m->kind) {
  case REQ_READ:
    send_msg(n->id, m->client, REPLY_READ, m->client, n->id, m->op);
    break;
  case REQ_WRITE:
    if (n->id == 0)
      primary_order(n, m->client, 0, m->op);
    else
      send_msg(n->id, 0, FORWARD, m->client, n->id, m->op);
    break;
  case FORWARD:
    primary_order(n, m->client, m->origin, m->op);
    break;
  case REPLICATE:
    send_msg(n->id, 0, ACK, m->client, m->origin, m->op);
    break;
  case ACK:
    if (--n->acks_owed[m->client - n_replicas] == 0) {
      uint32_t origin = n->origin_of[m->client - n_replicas];
      if (origin == 0)
        send_msg(0, m->client, REPLY_WRITE, m->client, 0, m->op);
      else
        send_msg(0, origin, FORWARD_REPLY, m->client, origin, m->op);
    }
    break;
  case FORWARD_REPLY:
    send_msg(n->id, m->client, REPLY_WRITE, m->client, n->id, m->op);
    break;
  default: /* a reply at a client */
    n->done++;
    client_next(n);
  }
}

static void channel_actor(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  channel *ch = sg_actor_self_get_data();
  sg_actor_daemonize(sg_actor_self());
  sg_mailbox_set_receiver(sg_mailbox_get_name(ch->mailbox));
  for (;;) {
    void *data = NULL;
    sg_comm_t c = sg_mailbox_get_async(ch->mailbox, &data);
    if (sg_comm_wait(c) != SG_OK || !data)
      continue;
    delivered++;
    handle(ch->to, data);
    free(data);
  }
}

/* Starts every client, then waits (a non-daemon actor) until every operation is done. */
static void starter(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  for (uint32_t i = n_replicas; i < n_nodes; i++)
    client_next(&nodes[i]);
  for (;;) {
    uint64_t all = 0;
    for (uint32_t i = n_replicas; i < n_nodes; i++)
      all += nodes[i].done;
    if (all >= ops_per_client * n_clients)
      return;
    sg_actor_sleep_for(0.01);
  }
}

int main(int argc, char **argv)
{
  /* replsim's SimGrid settings (actors/sim_run.c), in force before any given on the command line:
   * without them SimGrid's default LV08 model makes every hop 13 times slower, and the traffic
   * would not be the same (fewer flows at once, a cheaper solver). */
  static char *defaults[] = {"--cfg=network/model:CM02", "--cfg=network/TCP-gamma:0", "--cfg=network/crosstraffic:0",
                             "--cfg=network/optim:Full", "--cfg=contexts/stack-size:256", "--log=root.thres:warning",
                             "--log=xbt_cfg.thres:warning"};
  int n_defaults = (int)(sizeof defaults / sizeof defaults[0]);
  char **all = calloc((size_t)(argc + n_defaults + 1), sizeof *all);
  all[0] = argv[0];
  for (int i = 0; i < n_defaults; i++)
    all[1 + i] = defaults[i];
  for (int i = 1; i < argc; i++)
    all[n_defaults + i] = argv[i];
  argc += n_defaults;
  argv = all;
  simgrid_init(&argc, argv);
  if (argc != 5) {
    fprintf(stderr, "usage: bare_pb PLATFORM REPLICAS CLIENTS OPS [--cfg=...]\n");
    return 2;
  }
  n_replicas = (uint32_t)strtoul(argv[2], NULL, 10);
  n_clients = (uint32_t)strtoul(argv[3], NULL, 10);
  uint64_t ops = strtoull(argv[4], NULL, 10);
  if (n_replicas < 1 || n_replicas > 8 || n_clients < 1 || ops < n_clients) {
    fprintf(stderr, "bare_pb: 1..8 replicas, at least one client and one operation per client\n");
    return 2;
  }
  ops_per_client = ops / n_clients;
  simgrid_load_platform(argv[1]);
  n_nodes = n_replicas + n_clients;
  nodes = calloc(n_nodes, sizeof *nodes);
  channels = calloc((size_t)n_nodes * n_nodes, sizeof *channels);
  char name[32];
  for (uint32_t i = 0; i < n_nodes; i++) {
    nodes[i].id = i;
    nodes[i].rng = 0x9e3779b97f4a7c15ULL ^ (i + 1);
    if (i < n_replicas)
      snprintf(name, sizeof name, "node-%u", i + 1);
    else
      snprintf(name, sizeof name, "client-%u", (i - n_replicas) % 4 + 1);
    nodes[i].host = sg_host_by_name(name);
    if (!nodes[i].host) {
      fprintf(stderr, "bare_pb: no host %s in %s\n", name, argv[1]);
      return 2;
    }
  }
  nodes[0].acks_owed = calloc(n_clients, sizeof(uint32_t));
  nodes[0].origin_of = calloc(n_clients, sizeof(uint32_t));
  sg_actor_t s = sg_actor_init("starter", nodes[n_replicas].host);
  sg_actor_start(s, starter, 0, NULL);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  simgrid_run();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("bare_pb: %llu messages, %u replicas, %u clients, %.3f s simulated, %.3f s wall, %.0f messages/wall-s, %llu lost\n",
         (unsigned long long)delivered, n_replicas, n_clients, simgrid_get_clock(), wall, (double)delivered / wall,
         (unsigned long long)lost);
  return 0;
}
