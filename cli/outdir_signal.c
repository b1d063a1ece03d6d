/* The signal guard: a folder being written is removed if SIGINT, SIGTERM or SIGHUP ends the
 * process, which then dies of that signal as it would have (status 128+N in a shell).
 *
 * Two ways, because of SimGrid: its engine installs its own SIGINT handler (print the actors,
 * exit(1)) when it starts, so a handler of ours would be replaced in the middle of a run. A
 * process that runs SimGrid therefore blocks the signals in every thread and one thread of ours
 * takes them with sigwait(), where SimGrid's handler never runs. A blocked mask is inherited
 * by child processes, though, so a process that starts children (compare's runs, plot's
 * gnuplot) uses plain handlers instead. Either way the removal itself calls only
 * async-signal-safe functions, and the path it removes is fixed in a static buffer before the
 * guard is armed. */
#include "outdir.h"
#include "outdir_private.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const int guard_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_GUARD_SIGNALS ((int)(sizeof guard_signals / sizeof guard_signals[0]))

static char guard_path[4096];              /* the folder to remove, absolute */
static volatile sig_atomic_t guard_armed;  /* guard_path is set and must go on a signal */
static bool ignored[N_GUARD_SIGNALS];      /* inherited as ignored (nohup, a background job) */
static bool waiter_started, handlers_installed;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER; /* guard_path against the waiter */

static void guard_set(sigset_t *set)
{
  sigemptyset(set);
  for (int i = 0; i < N_GUARD_SIGNALS; i++)
    sigaddset(set, guard_signals[i]);
}

/* Which of our signals arrived already ignored: those stay ignored. */
static void note_ignored(void)
{
  static bool noted;
  if (noted)
    return;
  noted = true;
  for (int i = 0; i < N_GUARD_SIGNALS; i++) {
    struct sigaction old;
    ignored[i] = sigaction(guard_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN;
  }
}

/* Whether `sig` was ignored when the process started. */
static bool was_ignored(int sig)
{
  for (int i = 0; i < N_GUARD_SIGNALS; i++)
    if (guard_signals[i] == sig)
      return ignored[i];
  return false;
}

/* Ends the process by `sig` with its default action, from a handler or from the waiter. */
static void die_by(int sig)
{
  sigset_t one;
  signal(sig, SIG_DFL);
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL);
  raise(sig);
  _exit(128 + sig);
}

/* The handler (OUTDIR_SPAWNS): remove the guarded folder, then die of the signal. */
static void on_signal(int sig)
{
  if (guard_armed)
    ot_remove_tree_signal_safe(guard_path);
  guard_armed = 0;
  die_by(sig);
}

/* The thread that takes the blocked signals. It holds guard_lock while it removes the folder,
 * so a rename in progress either finishes first or never happens. */
static void *waiter(void *unused)
{
  (void)unused;
  sigset_t set;
  guard_set(&set);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0 || was_ignored(sig))
      continue;
    pthread_mutex_lock(&guard_lock);
    if (guard_armed)
      ot_remove_tree_signal_safe(guard_path);
    guard_armed = 0;
    die_by(sig);
  }
  return NULL;
}

/* Blocks the signals in this thread (and in every thread started later) and starts the waiter. */
static void start_waiter(void)
{
  if (waiter_started)
    return;
  sigset_t set;
  guard_set(&set);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  pthread_t t;
  if (pthread_create(&t, NULL, waiter, NULL) == 0) {
    pthread_detach(t);
    waiter_started = true;
  }
}

/* Installs on_signal for the guarded signals that were not ignored. */
static void install_handlers(void)
{
  if (handlers_installed)
    return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  guard_set(&sa.sa_mask);
  for (int i = 0; i < N_GUARD_SIGNALS; i++)
    if (!ignored[i])
      sigaction(guard_signals[i], &sa, NULL);
  handlers_installed = true;
}

/* Holds off both the handlers (signals blocked in this thread) and the waiter (the lock). */
static void guard_enter(sigset_t *old)
{
  sigset_t set;
  guard_set(&set);
  pthread_sigmask(SIG_BLOCK, &set, old);
  pthread_mutex_lock(&guard_lock);
}

/* Undoes guard_enter. */
static void guard_leave(const sigset_t *old)
{
  pthread_mutex_unlock(&guard_lock);
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Sets up the mechanism `flags` asks for; both may be live in one process without harm. */
static void guard_prepare(unsigned flags)
{
  note_ignored();
  if (flags & OUTDIR_SPAWNS)
    install_handlers();
  else
    start_waiter();
}

/* Copies `path`, made absolute, into the static buffer; false if it does not fit. */
static bool set_path(const char *path)
{
  char *abs = g_canonicalize_filename(path, NULL);
  bool fits = strlen(abs) < sizeof guard_path;
  if (fits)
    memcpy(guard_path, abs, strlen(abs) + 1);
  g_free(abs);
  return fits;
}

void outdir_guard(const char *path, unsigned flags)
{
  guard_prepare(flags);
  sigset_t old;
  guard_enter(&old);
  guard_armed = set_path(path);
  guard_leave(&old);
}

void outdir_unguard(void)
{
  sigset_t old;
  guard_enter(&old);
  guard_armed = 0;
  guard_leave(&old);
}

bool og_mkdir_guarded(const char *path, unsigned flags)
{
  guard_prepare(flags);
  sigset_t old;
  guard_enter(&old);
  bool ok = mkdir(path, 0755) == 0;
  int saved = errno;
  if (ok)
    guard_armed = set_path(path);
  guard_leave(&old);
  errno = saved;
  return ok;
}

bool og_rename_guarded(const char *from, const char *to)
{
  sigset_t old;
  guard_enter(&old);
  bool ok = rename(from, to) == 0;
  int saved = errno;
  if (ok)
    guard_armed = 0;
  guard_leave(&old);
  errno = saved;
  return ok;
}

void og_remove_guarded(const char *path)
{
  sigset_t old;
  guard_enter(&old);
  ot_remove_tree_signal_safe(path);
  guard_armed = 0;
  guard_leave(&old);
}
