/* Private to the anomaly finders: the helpers and steps anomalies.c strings together. */
#ifndef RS_ANOM_INTERNAL_H
#define RS_ANOM_INTERNAL_H

#include "analysis/anomalies.h"

#define ANOM_SHOW_CHARS 40

/* Orders two instants: by time, then by trace line when both are known; 0 when undecided. */
int anom_when_cmp(double t1, long l1, double t2, long l2);
bool anom_is_update(const char *op);  /* write, put, append, cas, delete; chat's register, send, fetch */
bool anom_is_read(const char *op);    /* read, get */
bool anom_acknowledged(const hist_op *o); /* ok with status SUCCESS */
bool anom_acked_update(const hist_op *o);
/* Appends `s` quoted and escaped, cut at ANOM_SHOW_CHARS bytes; NULL shows as null. */
void anom_show_value(GString *out, const char *s);

void anom_find_lost_writes(anomalies *a, const history *h, const trace_facts *f);
/* chat (anom_lost_chat.c) */
bool anom_is_chat(const history *h, const trace_facts *f);
void anom_find_lost_chat(anomalies *a, const history *h, const trace_facts *f);
void anom_find_stale_reads(anomalies *a, const history *h);
void anom_find_windows(anomalies *a, const history *h, const trace_facts *f, double end_time);
void anom_find_failovers(anomalies *a, const history *h, const trace_facts *f);

/* The clear functions of the findings' arrays. */
void anom_lost_write_clear(gpointer p);
void anom_stale_read_clear(gpointer p);
void anom_window_clear(gpointer p);
void anom_failover_clear(gpointer p);

#endif
