/* route_oracle PLATFORM SRC DST...: asks SimGrid 3.32 itself, for each SRC DST pair, whether it routes a
 * message (a route with a link or a latency; CM02 aborts on any other), printing "SRC\tDST\tok" or
 * "...\tNO" a line. A pair SimGrid dies on (an abort or a crash, as it does on some platforms) is run
 * again in a child process of its own, so one bad pair does not hide the others.
 * tests/test_platform_routes.sh compares its answers with replsim's checker (route_check.c). */
#include <simgrid/s4u.hpp>

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status 0 if SimGrid routes src to dst, 1 if not; it may also die trying. */
static int route_in_child(const char *platform, const char *src, const char *dst)
{
  pid_t pid = fork();
  if (pid == 0) {
    int argc = 2;
    char arg0[] = "route_oracle", arg1[] = "--log=root.thres:critical";
    char *argv[] = {arg0, arg1, nullptr};
    simgrid::s4u::Engine e(&argc, argv);
    e.load_platform(platform);
    e.seal_platform();
    std::vector<simgrid::s4u::Link*> links;
    double latency = 0;
    try {
      e.host_by_name(src)->route_to(e.host_by_name(dst), links, &latency);
    } catch (const std::exception&) {
      _exit(1);
    }
    _exit(links.empty() && latency <= 0 ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

int main(int argc, char** argv)
{
  if (argc < 2 || argc % 2 != 0) {
    fprintf(stderr, "usage: route_oracle PLATFORM SRC DST [SRC DST]...\n");
    return 2;
  }
  for (int i = 2; i + 1 < argc; i += 2)
    printf("%s\t%s\t%s\n", argv[i], argv[i + 1], route_in_child(argv[1], argv[i], argv[i + 1]) == 0 ? "ok" : "NO");
  return 0;
}
