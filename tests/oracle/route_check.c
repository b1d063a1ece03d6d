/* route_check PLATFORM N: replsim's own checker (scenario/platform_routes.c) on every pair of the
 * first N hosts of PLATFORM, both ways, printing "SRC\tDST\tok" or "...\tNO" a line (SRC = DST too:
 * two nodes on one host), or "REFUSED\tPATH:LINE: why" if the platform does not load. */
#include "scenario/platform_model.h"

#include <stdio.h>
#include <stdlib.h>

/* One direction: the source as a server, the destination as a client, so only SRC -> DST and
 * DST -> SRC are asked; one host with two nodes asks for its loopback. */
static bool routes(platform *pf, const char *a, const char *b)
{
  pf_use uses[2] = {{a, "source", true, a == b ? 2 : 1}, {b, "destination", false, 1}};
  char *err = NULL;
  bool ok = platform_check_routes(pf, uses, a == b ? 1 : 2, &err);
  g_free(err);
  return ok;
}

/* Loads the platform and prints the verdict for every pair of its first N hosts. */
int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: route_check PLATFORM N\n");
    return 2;
  }
  char *err = NULL;
  platform *pf = platform_load(argv[1], &err);
  if (pf == NULL) {
    printf("REFUSED\t%s\n", err);
    g_free(err);
    return 0;
  }
  guint n = MIN(pf->host_names->len, (guint)atoi(argv[2]));
  for (guint i = 0; i < n; i++)
    for (guint j = i; j < n; j++) {
      const char *a = pf->host_names->pdata[i], *b = pf->host_names->pdata[j];
      printf("%s\t%s\t%s\n", a, b, routes(pf, a, b) ? "ok" : "NO");
    }
  platform_free(pf);
  return 0;
}
