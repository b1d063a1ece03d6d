/* libFuzzer target for the EDN reader: any bytes are read without a crash, a hang or a leak, and
 * whatever is read prints back to text that reads again to the same text.
 *
 * Not part of the CMake build: libFuzzer needs clang. Build and run it by hand from the top of
 * the tree with
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. analysis/edn_read.c tests/fuzz/fuzz_edn.c -o /tmp/fuzz_edn $(pkg-config --cflags --libs glib-2.0) -lm
 *   mkdir -p /tmp/fuzz_edn_corpus && cp tests/data/porcupine/kv-c01-ok.edn /tmp/fuzz_edn_corpus/ && /tmp/fuzz_edn -max_total_time=60 /tmp/fuzz_edn_corpus
 * The unit test tests/unit/test_edn_read.c runs the same round on seeded random bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/edn_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  edn_reader *r = edn_reader_new((const char *)data, size);
  edn_value *v;
  char *err = NULL;
  while (edn_next(r, &v, &err)) {
    char *text = edn_print(v);
    edn_reader *again = edn_reader_new(text, strlen(text));
    edn_value *w;
    char *err2 = NULL;
    if (!edn_next(again, &w, &err2))
      abort(); /* what was read must print to something readable */
    char *text2 = edn_print(w);
    if (strcmp(text, text2) != 0)
      abort();
    g_free(text2);
    edn_value_free(w);
    edn_reader_free(again);
    g_free(text);
    edn_value_free(v);
  }
  g_free(err);
  edn_reader_free(r);
  return 0;
}
