/* Output folders: replsim replaces only what it wrote, and a folder appears whole or not at all.
 *
 * Every folder replsim writes (a run's DIR, compare's DIR, DIR/plots) carries a marker file,
 * OUTDIR_MARKER, whose first line is OUTDIR_MARKER_HEADER and whose other lines list every entry
 * replsim put there, one relative path a line: "f PATH" for a file, "d PATH" for a folder. A
 * folder inside that carries its own marker (compare's runs/NAME, a run's plots/) vouches for
 * itself and is not listed. An existing target is replaced only if it is empty, or if it is
 * marked and every entry in it, at every depth, is one its marker lists (recognized by name and
 * type: a symbolic link never is). Anything else, and "/", the home folder, the current folder
 * and its ancestors, is refused before any work starts. Removal never follows a symbolic link
 * and deletes only listed entries.
 *
 * A run is written into a staging folder DIR.partial-PID beside DIR and renamed into place once
 * it is complete. SIGINT, SIGTERM and SIGHUP remove the staging folder and then end the process
 * as the signal would (status 128+N in a shell); a signal the process inherited as ignored stays
 * ignored. A crash (SIGABRT, SIGSEGV, SIGKILL) leaves the staging folder for inspection: its name
 * says it is partial and nothing ever replaces it.
 *
 * Typical use, by anything that writes an output folder:
 *
 *   if (!outdir_check_target(dir, &err)) ... exit 2, before any work
 *   char *staged = outdir_stage(dir, &err);        write into staged/ ...
 *   outdir_commit(staged, dir, &err) or outdir_discard(staged);
 *
 * and, for a file written later into a folder already committed, outdir_adopt(dir, "name"). */
#ifndef RS_OUTDIR_H
#define RS_OUTDIR_H

#include <stdbool.h>

#define OUTDIR_MARKER ".replsim-output"
#define OUTDIR_MARKER_HEADER "replsim output folder 1"

/* Flags of outdir_stage_with. */
enum {
  OUTDIR_WITH_LOGS = 1u << 0, /* create logs/ inside the staging folder (a run's node logs) */
  OUTDIR_SPAWNS = 1u << 1,    /* the process starts child processes while the folder is staged:
                                 guard it with signal handlers, not blocked signals (a child
                                 would inherit a blocked mask). Without it the signals are
                                 blocked and a thread waits for them, which SimGrid needs: it
                                 installs its own SIGINT handler when its engine starts. */
};

/* Whether `dir` may become an output folder: it does not exist, is an empty folder, or is a
 * folder replsim marked that holds nothing else. False with *err = "DIR: why" otherwise. */
bool outdir_check_target(const char *dir, char **err);

/* Checks `dir`, creates its parent folders, creates the empty staging folder DIR.partial-PID
 * (refusing one that already exists) with logs/ inside, and guards it against SIGINT, SIGTERM
 * and SIGHUP (signals blocked: safe around SimGrid). Returns its path, or NULL with *err. */
char *outdir_stage(const char *dir, char **err);
/* The same with OUTDIR_* flags. */
char *outdir_stage_with(const char *dir, unsigned flags, char **err);

/* Creates the folder `dir` in place (its parent must exist; `dir` must not, so call
 * outdir_remove_marked first to replace one) and guards it as outdir_guard does. For a folder
 * made where it stays (DIR/plots): outdir_mark and outdir_unguard once it is complete,
 * outdir_discard if it cannot be completed. False with *err. */
bool outdir_create(const char *dir, unsigned flags, char **err);

/* Marks the staged folder (its marker lists everything in it), checks `dir` again, removes a
 * previous marked `dir` (only the entries its marker lists) and renames the staged folder to
 * `dir`. On failure the staged folder stays, and *err says where. */
bool outdir_commit(const char *staged, const char *dir, char **err);

/* Removes a staging folder (or one outdir_create made) after a failure, everything in it:
 * this process made it. Stops guarding it. */
void outdir_discard(const char *staged);

/* Writes the marker of `dir`, listing every file and folder now in it (folders with their own
 * marker excepted). For a folder made in place rather than staged (DIR/plots). */
bool outdir_mark(const char *dir, char **err);

/* Adds `relative` (a file this process just wrote into the marked folder `dir`) to its marker,
 * so that `dir` stays replaceable. */
bool outdir_adopt(const char *dir, const char *relative, char **err);

/* Removes a folder outdir_check_target accepts, deleting only what its marker lists (and the
 * marked folders inside); a missing folder is not an error. False with *err if something it
 * does not list is in the way (then nothing unlisted was touched). */
bool outdir_remove_marked(const char *dir, char **err);

/* Removes `path` (a folder this process created and is filling) if SIGINT, SIGTERM or SIGHUP
 * ends the process; `flags` as outdir_stage_with (OUTDIR_SPAWNS picks signal handlers). One
 * folder at a time: a new guard replaces the previous one. */
void outdir_guard(const char *path, unsigned flags);
/* Stops guarding: the folder is complete (or gone) and a signal now just ends the process. */
void outdir_unguard(void);

#endif
