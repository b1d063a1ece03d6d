/* Loading what every real-mode process needs, the same way in each. */
#include "net_common.h"

#include <stdio.h>

bool net_setup_load(net_setup *s, const char *cmd, const char *scenario_path, char **sets, const char *seed,
                    const char *hosts, const char *key)
{
  memset(s, 0, sizeof *s);
  GPtrArray *over = g_ptr_array_new_with_free_func(g_free);
  for (char **x = sets; x && *x; x++)
    g_ptr_array_add(over, g_strdup(*x));
  if (seed)
    g_ptr_array_add(over, g_strdup_printf("seed=%s", seed));
  g_ptr_array_add(over, NULL);
  char *err = NULL;
  s->sc = scenario_load(scenario_path, (char **)over->pdata, &err);
  g_ptr_array_free(over, TRUE);
  if (!s->sc) {
    fprintf(stderr, "%s\n", err);
    g_free(err);
    return false;
  }
  s->plan = deploy_new(s->sc);
  if (!net_addrs_load(s->sc, s->plan, hosts, &s->addrs, &err) || !net_key_load(key, &s->key, &err)) {
    fprintf(stderr, "replsim %s: %s\n", cmd, err);
    g_free(err);
    net_setup_clear(s);
    return false;
  }
  return true;
}

void net_setup_clear(net_setup *s)
{
  net_key_clear(&s->key);
  net_addrs_clear(&s->addrs);
  deploy_free(s->plan);
  if (s->sc)
    scenario_free(s->sc);
  memset(s, 0, sizeof *s);
}

char *net_setup_servers(const net_setup *s)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < s->plan->nodes->len; i++) {
    const dp_node *n = deploy_node(s->plan, i);
    if (!n->client)
      g_string_append_printf(out, "%s%s", out->len ? ", " : "", n->name);
  }
  return g_string_free(out, FALSE);
}
