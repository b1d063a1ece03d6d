/* The benchmark's baseline: a bare SimGrid ping-pong that moves messages the way replsim's harness does, without any protocol. */
#define _POSIX_C_SOURCE 200809L

#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Roughly a replsim request or reply with a 300-byte value once encoded. */
#define PAYLOAD_BYTES 300

/* The same envelope as replsim's sim_packet: who, which message, then the bytes on the wire. */
typedef struct packet {
  uint32_t from;
  uint32_t to;
  uint64_t id;
  uint32_t len;
  uint8_t bytes[];
} packet;

/* One side of a pair. The two sides of a pair alternate: side 0 sends the even-numbered
 * messages, side 1 the odd ones, so a pair carries exactly `messages` messages in all. */
typedef struct side {
  uint32_t pair;
  int parity;
  sg_mailbox_t own;
  sg_mailbox_t peer;
} side;

static uint64_t messages_per_pair;
static uint64_t delivered;
static uint64_t out_of_order;
static uint64_t lost;
static uint8_t template_bytes[PAYLOAD_BYTES];

/* Called by SimGrid only for a detached message nobody received; it must not leak. */
static void packet_lost(void *data)
{
  lost++;
  free(data);
}

/* Built and copied fresh for every message, as the harness copies each encoded message into
 * its own packet before handing it to SimGrid. */
static void send_one(const side *s, uint64_t id)
{
  packet *p = malloc(sizeof *p + PAYLOAD_BYTES);
  if (!p) {
    fprintf(stderr, "pingpong: out of memory\n");
    exit(1);
  }
  p->from = s->pair * 2 + (uint32_t)s->parity;
  p->to = s->pair * 2 + (uint32_t)(1 - s->parity);
  p->id = id;
  p->len = PAYLOAD_BYTES;
  memcpy(p->bytes, template_bytes, PAYLOAD_BYTES);
  sg_comm_t c = sg_mailbox_put_init(s->peer, p, p->len);
  sg_comm_detach(c, packet_lost);
}

static void receive_one(const side *s, uint64_t expected_id)
{
  void *data = NULL;
  sg_comm_t c = sg_mailbox_get_async(s->own, &data);
  if (sg_comm_wait(c) != SG_OK || !data) {
    lost++;
    return;
  }
  packet *p = data;
  /* A check that costs next to nothing but proves each side saw its pair's messages in order. */
  if (p->id != expected_id || p->len != PAYLOAD_BYTES || p->bytes[PAYLOAD_BYTES - 1] != template_bytes[PAYLOAD_BYTES - 1])
    out_of_order++;
  delivered++;
  free(p);
}

static void side_actor(int argc, char *argv[])
{
  (void)argc;
  (void)argv;
  side *s = sg_actor_self_get_data();
  /* As replsim's receivers do: messages are pushed to a mailbox with a known receiver as soon
   * as they arrive, rather than waiting for a matching receive. */
  sg_mailbox_set_receiver(sg_mailbox_get_name(s->own));
  for (uint64_t k = 0; k < messages_per_pair; k++) {
    if ((int)(k % 2) == s->parity)
      send_one(s, k);
    else
      receive_one(s, k);
  }
}

/* A whole number in [min, max], or a clear error. */
static int parse_count(const char *text, const char *what, uint64_t min, uint64_t max, uint64_t *out)
{
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' || v < min || v > max) {
    fprintf(stderr, "pingpong: %s must be a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'\n", what, min,
            max, text);
    return 0;
  }
  *out = v;
  return 1;
}

static double wall_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pairs are spread over the LAN's clients and nodes, one side on each, so every message crosses
 * two links as a replsim client-to-replica message does (lan.xml has no route from a host to itself). */
static const char *const client_hosts[] = {"client-1", "client-2", "client-3", "client-4"};
static const char *const node_hosts[] = {"node-1", "node-2", "node-3", "node-4",
                                         "node-5", "node-6", "node-7", "node-8"};

int main(int argc, char *argv[])
{
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: pingpong PLATFORM PAIRS MESSAGES_PER_PAIR [SERVERS]\n"
                    "  e.g. pingpong platforms/lan.xml 50 10000\n");
    return 2;
  }
  uint64_t pairs = 0;
  if (!parse_count(argv[2], "PAIRS", 1, 100000, &pairs) ||
      !parse_count(argv[3], "MESSAGES_PER_PAIR", 1, UINT64_C(1000000000000), &messages_per_pair))
    return 2;
  /* SimGrid aborts with a backtrace on a missing platform file; say it plainly instead. */
  FILE *platform = fopen(argv[1], "r");
  if (!platform) {
    fprintf(stderr, "pingpong: cannot read %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  fclose(platform);
  for (int i = 0; i < PAYLOAD_BYTES; i++)
    template_bytes[i] = (uint8_t)('a' + i % 26);

  double start = wall_now();
  /* replsim's network settings (actors/sim_run.c): CM02 without the TCP window bound and without
   * cross traffic, given on a built command line so they are in force before the platform loads. */
  char *sg_argv[] = {argv[0],
                     "--cfg=network/model:CM02",
                     "--cfg=network/TCP-gamma:0",
                     "--cfg=network/crosstraffic:0",
                     "--cfg=network/optim:Full",
                     "--log=root.thres:warning",
                     "--log=xbt_cfg.thres:warning",
                     NULL};
  int sg_argc = (int)(sizeof sg_argv / sizeof sg_argv[0]) - 1;
  simgrid_init(&sg_argc, sg_argv);
  simgrid_load_platform(argv[1]);

  const size_t n_clients = sizeof client_hosts / sizeof client_hosts[0];
  size_t n_nodes = sizeof node_hosts / sizeof node_hosts[0];
  /* An optional 4th argument puts the pong sides on fewer node hosts, so many flows share each
   * server link as replsim's clients share its replicas' links (100 clients, 5 replicas). */
  uint64_t servers = n_nodes;
  if (argc > 4 && !parse_count(argv[4], "SERVERS", 1, n_nodes, &servers))
    return 2;
  n_nodes = (size_t)servers;
  for (size_t h = 0; h < n_clients; h++)
    if (!sg_host_by_name(client_hosts[h])) {
      fprintf(stderr, "pingpong: %s has no host %s (use platforms/lan.xml)\n", argv[1], client_hosts[h]);
      return 2;
    }
  for (size_t h = 0; h < n_nodes; h++)
    if (!sg_host_by_name(node_hosts[h])) {
      fprintf(stderr, "pingpong: %s has no host %s (use platforms/lan.xml)\n", argv[1], node_hosts[h]);
      return 2;
    }

  side *sides = calloc(pairs * 2, sizeof *sides);
  if (!sides) {
    fprintf(stderr, "pingpong: out of memory\n");
    return 1;
  }
  for (uint64_t i = 0; i < pairs; i++) {
    char name[2][32];
    snprintf(name[0], sizeof name[0], "ping-%" PRIu64, i);
    snprintf(name[1], sizeof name[1], "pong-%" PRIu64, i);
    sg_host_t host[2] = {sg_host_by_name(client_hosts[i % n_clients]), sg_host_by_name(node_hosts[i % n_nodes])};
    for (int k = 0; k < 2; k++) {
      side *s = &sides[i * 2 + (uint64_t)k];
      s->pair = (uint32_t)i;
      s->parity = k;
      s->own = sg_mailbox_by_name(name[k]);
      s->peer = sg_mailbox_by_name(name[1 - k]);
      sg_actor_t a = sg_actor_init(name[k], host[k]);
      sg_actor_set_data(a, s);
      sg_actor_start(a, side_actor, 0, NULL);
    }
  }

  simgrid_run();
  double wall = wall_now() - start;
  double simulated = simgrid_get_clock();
  free(sides);

  uint64_t expected = pairs * messages_per_pair;
  if (delivered != expected || out_of_order != 0 || lost != 0) {
    fprintf(stderr, "pingpong: delivered %" PRIu64 " of %" PRIu64 " messages, %" PRIu64 " out of order, %" PRIu64
                    " lost\n",
            delivered, expected, out_of_order, lost);
    return 1;
  }
  printf("pingpong: %" PRIu64 " messages, %.6f simulated s, %.3f wall s, %.0f messages/wall-s\n", delivered, simulated,
         wall, wall > 0 ? (double)delivered / wall : 0.0);
  return 0;
}
