/* The hosts file and the port rule of real mode (DESIGN.md, Command line: Real mode). */
#include "addrs.h"

#include <gio/gio.h>
#include <string.h>

/* Reads `PLATFORM-HOST ADDRESS` lines (# starts a comment) into host -> address. */
static GHashTable *read_hosts(const scenario *sc, const char *path, char **err)
{
  gchar *text = NULL;
  GError *e = NULL;
  if (!g_file_get_contents(path, &text, NULL, &e)) {
    *err = g_strdup_printf("%s: cannot be read: %s", path, e->message);
    g_error_free(e);
    return NULL;
  }
  GHashTable *known = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < sc->platform_hosts->len; i++)
    g_hash_table_add(known, g_ptr_array_index(sc->platform_hosts, i));
  GHashTable *hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  gchar **lines = g_strsplit(text, "\n", -1);
  for (int n = 0; lines[n] && !*err; n++) {
    char *hash = strchr(lines[n], '#');
    if (hash)
      *hash = '\0';
    gchar **words = g_strsplit_set(g_strstrip(lines[n]), " \t", -1);
    GPtrArray *w = g_ptr_array_new();
    for (gchar **x = words; *x; x++)
      if (**x)
        g_ptr_array_add(w, *x);
    GInetAddress *ip = w->len >= 2 ? g_inet_address_new_from_string(g_ptr_array_index(w, 1)) : NULL;
    if (w->len == 0)
      ;
    else if (w->len < 2)
      *err = g_strdup_printf("%s:%d: expected 'PLATFORM-HOST ADDRESS [LAUNCH COMMAND...]'", path, n + 1);
    else if (!g_hash_table_contains(known, g_ptr_array_index(w, 0)))
      *err = g_strdup_printf("%s:%d: '%s' is no host of the platform %s", path, n + 1,
                             (char *)g_ptr_array_index(w, 0), sc->platform);
    else if (!ip)
      *err = g_strdup_printf("%s:%d: '%s' is not an IP address", path, n + 1, (char *)g_ptr_array_index(w, 1));
    else if (g_hash_table_contains(hosts, g_ptr_array_index(w, 0)))
      *err = g_strdup_printf("%s:%d: host '%s' is given twice", path, n + 1, (char *)g_ptr_array_index(w, 0));
    else {
      /* The address, then the launch words, as one NULL-separated vector. */
      GPtrArray *v = g_ptr_array_new();
      for (guint k = 1; k < w->len; k++)
        g_ptr_array_add(v, g_strdup(g_ptr_array_index(w, k)));
      g_ptr_array_add(v, NULL);
      g_hash_table_insert(hosts, g_strdup(g_ptr_array_index(w, 0)), g_ptr_array_free(v, FALSE));
    }
    if (ip)
      g_object_unref(ip);
    g_ptr_array_free(w, TRUE);
    g_strfreev(words);
  }
  g_strfreev(lines);
  g_free(text);
  g_hash_table_destroy(known);
  if (*err) {
    g_hash_table_destroy(hosts);
    return NULL;
  }
  return hosts;
}

/* The port of server node `n`: its element's port=, else 7400 + its position; seed 002's voters
 * (`other_index` counts them) listen after every replica. */
static int port_of(const scenario *sc, const deploy *d, const dp_node *n, int replica_index, int n_replicas,
                   int other_index)
{
  if (n->id == d->registry)
    return sc->registry_port ? sc->registry_port : NET_BASE_PORT;
  if (n->id == d->view_service)
    return sc->view_service_port ? sc->view_service_port : NET_BASE_PORT + 1;
  if (!n->joining && replica_index < (int)sc->replicas->len) {
    const sc_replica *r = g_ptr_array_index(sc->replicas, replica_index);
    if (r->port)
      return r->port;
  }
  if (!n->replica)
    return NET_BASE_PORT + 2 + n_replicas + other_index;
  return NET_BASE_PORT + 2 + replica_index;
}

bool net_addrs_load(const scenario *sc, const deploy *d, const char *hosts_path, net_addrs *out, char **err)
{
  *err = NULL;
  memset(out, 0, sizeof *out);
  GHashTable *hosts = hosts_path ? read_hosts(sc, hosts_path, err) : NULL;
  if (hosts_path && !hosts)
    return false;
  out->n = d->nodes->len + 1; /* and the shell client's id (deploy_shell_client) */
  out->by_id = g_new0(net_addr, out->n);
  GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  int replica_index = 0, other_index = 0, n_replicas = 0;
  for (guint i = 0; i < d->nodes->len; i++)
    n_replicas += deploy_node(d, i)->replica;
  for (guint i = 0; i < d->nodes->len && !*err; i++) {
    const dp_node *n = deploy_node(d, i);
    if (n->client)
      continue;
    bool after_replicas = !n->replica && n->id != d->registry && n->id != d->view_service;
    int port = port_of(sc, d, n, n->replica ? replica_index++ : 0, n_replicas, after_replicas ? other_index++ : 0);
    const char *address = "127.0.0.1";
    char **line = NULL;
    if (hosts) {
      line = g_hash_table_lookup(hosts, n->host);
      address = line ? line[0] : NULL;
      if (!address) {
        *err = g_strdup_printf("%s: no address for host '%s' (node %s)", hosts_path, n->host, n->name);
        break;
      }
    }
    if (port > 65535) {
      *err = g_strdup_printf("%s: node %s would listen on port %d: give it a port= below 65536", sc->path, n->name,
                             port);
      break;
    }
    char *where = g_strdup_printf("%s:%d", address, port);
    const char *other = g_hash_table_lookup(taken, where);
    if (other) {
      *err = g_strdup_printf("%s: nodes %s and %s would both listen on %s", sc->path, other, n->name, where);
      g_free(where);
      break;
    }
    g_hash_table_insert(taken, where, n->name);
    out->by_id[i].address = g_strdup(address);
    out->by_id[i].port = (guint16)port;
    out->by_id[i].launch = line && line[1] ? g_strdupv(line + 1) : NULL;
  }
  g_hash_table_destroy(taken);
  if (hosts)
    g_hash_table_destroy(hosts);
  if (*err) {
    net_addrs_clear(out);
    return false;
  }
  return true;
}

void net_addrs_clear(net_addrs *a)
{
  for (guint i = 0; a->by_id && i < a->n; i++) {
    g_free(a->by_id[i].address);
    g_strfreev(a->by_id[i].launch);
  }
  g_free(a->by_id);
  memset(a, 0, sizeof *a);
}
