/* The replsim subcommands, each a main() of its own, and the exit statuses they share. */
#ifndef RS_COMMANDS_H
#define RS_COMMANDS_H

enum {
  RS_EXIT_OK = 0,       /* every expectation held / linearizable */
  RS_EXIT_FAILED = 1,   /* an expectation failed / a violation */
  RS_EXIT_BAD_INPUT = 2,
  RS_EXIT_UNKNOWN = 3,  /* check: the time bound ran out */
};

int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_node(int argc, char **argv);   /* real mode: one server node over TCP */
int cmd_real(int argc, char **argv);   /* real mode: a whole scenario over TCP */
int cmd_client(int argc, char **argv); /* real mode: one operation from the shell */
int cmd_swarm(int argc, char **argv);  /* random scenarios, judged against their design's promises */

#endif
