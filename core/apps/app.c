/* The registry of replicated applications, and instance life cycle. */
#include "app.h"

#include <string.h>

static const rs_app_ops *const all_apps[] = {&rs_app_files, &rs_app_kv, &rs_app_votes, &rs_app_chat};

const rs_app_ops *rs_app_find(const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS(all_apps); i++)
    if (strcmp(all_apps[i]->name, name) == 0)
      return all_apps[i];
  return NULL;
}

rs_app *rs_app_new(const rs_app_ops *ops)
{
  rs_app *app = g_new0(rs_app, 1);
  app->ops = ops;
  app->state = ops->create();
  return app;
}

void rs_app_free(rs_app *app)
{
  if (!app)
    return;
  app->ops->destroy(app->state);
  g_free(app);
}
