/* A client node: owns a client and the driver that runs its workload or script on it. */
#include "client_node.h"
#include "node.h"

struct rs_client_node {
  rs_client *client;
  rs_driver *driver;
};

rs_client_node *rs_client_node_new(const rs_client_node_config *cfg, const rs_host *host)
{
  rs_client_node *c = g_new0(rs_client_node, 1);
  rs_client_config ccfg = cfg->client;
  ccfg.on_ready = NULL;
  ccfg.on_done = NULL;
  if (cfg->driver.workload || cfg->driver.steps) {
    c->driver = rs_driver_new(&cfg->driver, host);
    ccfg.on_ready = rs_driver_on_ready;
    ccfg.on_done = rs_driver_on_done;
    ccfg.arg = c->driver;
  }
  c->client = rs_client_new(&ccfg, host);
  if (c->driver)
    rs_driver_attach(c->driver, c->client);
  return c;
}

void rs_client_node_free(rs_client_node *c)
{
  if (!c)
    return;
  rs_client_free(c->client);
  rs_driver_free(c->driver);
  g_free(c);
}

rs_client *rs_client_node_client(const rs_client_node *c) { return c->client; }
rs_driver *rs_client_node_driver(const rs_client_node *c) { return c->driver; }

static void node_start(void *impl)
{
  rs_client_start(((rs_client_node *)impl)->client);
}

static void node_handle(void *impl, rs_node_id from, const rs_msg *m)
{
  rs_client_handle(((rs_client_node *)impl)->client, from, m);
}

/* The client's attempt timer is below RS_DRIVER_TIMER_NEXT, the driver's from it on. */
static void node_timer(void *impl, int timer)
{
  rs_client_node *c = impl;
  if (timer >= RS_DRIVER_TIMER_NEXT) {
    if (c->driver)
      rs_driver_timer(c->driver, timer);
  }
  else
    rs_client_timer(c->client, timer);
}

static void node_stop(void *impl)
{
  rs_client_node *c = impl;
  if (c->driver)
    rs_driver_stop(c->driver);
}

static bool node_busy(const void *impl)
{
  return rs_client_busy(((const rs_client_node *)impl)->client);
}

static void node_free(void *impl)
{
  rs_client_node_free(impl);
}

const rs_node_ops rs_client_node_ops = {.kind = "client", .start = node_start, .handle = node_handle,
                                        .timer = node_timer, .stop = node_stop, .busy = node_busy,
                                        .free = node_free};
