/* The Redis side of `make bench`'s real-mode comparison: N closed-loop clients on loopback, each
 * sending SET then WAIT 1 0 (acknowledged once the replica has it) and timing the pair, for a
 * fixed time. Prints "ops N p50_ms X p99_ms Y throughput Z". Plain sockets and RESP, so the
 * figure is Redis's, not a client library's.
 * Usage: redis_wait PORT CLIENTS SECONDS */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
  int fd;
  double sent;
  int replies;  /* of the two (SET's +OK, WAIT's :N) */
  long seq;
} conn;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sends one SET k v and WAIT 1 0, pipelined: WAIT answers once the replica has every write of
 * this connection so far. */
static void send_pair(conn *c, int id)
{
  char buf[256];
  char key[32], val[64];
  int kl = snprintf(key, sizeof key, "k%d", id);
  int vl = snprintf(val, sizeof val, "c%d-%ld-xxxxxxxxxxxxxxxxxxxx", id, c->seq++);
  int n = snprintf(buf, sizeof buf, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n",
                   kl, key, vl, val);
  c->sent = now();
  c->replies = 0;
  if (write(c->fd, buf, (size_t)n) != n) {
    perror("write");
    exit(1);
  }
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: redis_wait PORT CLIENTS SECONDS\n");
    return 2;
  }
  int port = atoi(argv[1]), n = atoi(argv[2]);
  double seconds = atof(argv[3]);
  conn *cs = calloc((size_t)n, sizeof *cs);
  struct pollfd *pf = calloc((size_t)n, sizeof *pf);
  size_t cap = 1 << 20, count = 0;
  double *lat = malloc(cap * sizeof *lat);
  for (int i = 0; i < n; i++) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(cs[i].fd, (struct sockaddr *)&a, sizeof a) != 0) {
      perror("connect");
      return 1;
    }
    pf[i].fd = cs[i].fd;
    pf[i].events = POLLIN;
  }
  double start = now(), end = start + seconds;
  for (int i = 0; i < n; i++)
    send_pair(&cs[i], i);
  while (now() < end) {
    if (poll(pf, (nfds_t)n, 100) <= 0)
      continue;
    for (int i = 0; i < n; i++) {
      if (!(pf[i].revents & POLLIN))
        continue;
      char buf[4096];
      ssize_t got = read(cs[i].fd, buf, sizeof buf);
      if (got <= 0) {
        fprintf(stderr, "redis closed the connection\n");
        return 1;
      }
      for (ssize_t k = 0; k < got; k++)
        if (buf[k] == '\n')
          cs[i].replies++;
      if (cs[i].replies >= 2) {
        if (count == cap)
          lat = realloc(lat, (cap *= 2) * sizeof *lat);
        lat[count++] = now() - cs[i].sent;
        send_pair(&cs[i], i);
      }
    }
  }
  double wall = now() - start;
  qsort(lat, count, sizeof *lat, cmp);
  if (!count) {
    fprintf(stderr, "no operation completed\n");
    return 1;
  }
  /* Nearest-rank percentiles, as replsim's summary computes them. */
  size_t p50 = (size_t)((count * 50 + 99) / 100), p99 = (size_t)((count * 99 + 99) / 100);
  printf("ops %zu p50_ms %.3f p99_ms %.3f throughput %.1f\n", count, lat[p50 - 1] * 1e3, lat[p99 - 1] * 1e3,
         count / wall);
  return 0;
}
