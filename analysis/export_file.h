/* Private to the exports: an output file written whole or not at all (staged, then renamed). */
#ifndef RS_EXPORT_FILE_H
#define RS_EXPORT_FILE_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct export_file {
  FILE *f;
  char *path, *staged;
  GString *buf;   /* the line being built, flushed to `f` line by line */
} export_file;

/* Opens PATH.partial-PID for writing. False with "PATH: reason" in `err`. */
bool export_file_open(export_file *x, const char *path, char **err);
/* Writes the buffer out and empties it. */
void export_file_flush(export_file *x);
/* Closes and renames the staged file to its path when `ok`; removes it otherwise. Returns `ok`
 * unless a write failed (then false with "PATH: reason" in `err`). */
bool export_file_close(export_file *x, bool ok, char **err);

#endif
