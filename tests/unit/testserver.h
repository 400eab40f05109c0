/* Start a local Python test server (the sandbox or a fixture) as a subprocess on a free
 * loopback port and read the address it prints ("... listening on http://127.0.0.1:PORT"). */
#ifndef VO_TESTSERVER_H
#define VO_TESTSERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct vo_test_server {
    pid_t pid;
    char url[128]; /* http://127.0.0.1:PORT */
} vo_test_server;

/* Path of a file under the source tree (VO_SOURCE_ROOT is set by tests/meson.build). */
static inline const char *vo_test_source_path(const char *rel, char *out, size_t size)
{
    const char *root = getenv("VO_SOURCE_ROOT");
    if (snprintf(out, size, "%s/%s", root ? root : ".", rel) >= (int)size)
        out[0] = '\0'; /* too long: an empty path that fails to open */
    return out;
}

/* Spawn `python3 <script> --port 0 [extra]`; returns 0 and fills srv, or -1. */
static inline int vo_test_server_start(vo_test_server *srv, const char *script_rel,
                                       const char *extra)
{
    char script[1024];
    if (script_rel[0] == '/')
        snprintf(script, sizeof(script), "%s", script_rel);
    else
        vo_test_source_path(script_rel, script, sizeof(script));
    if (access(script, R_OK) != 0)
        return -1;
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (extra)
            execlp("python3", "python3", "-u", script, "--port", "0", extra, (char *)NULL);
        else
            execlp("python3", "python3", "-u", script, "--port", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[512];
    int ok = -1;
    while (f && fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "listening on ");
        if (p) {
            p += strlen("listening on ");
            p[strcspn(p, " \r\n")] = '\0';
            snprintf(srv->url, sizeof(srv->url), "%s", p);
            ok = 0;
            break;
        }
    }
    /* Keep the pipe's read end open in a detached reader: closing it would SIGPIPE the
     * server on its next print. Leaking one FILE per server in a test is fine. */
    srv->pid = pid;
    if (ok != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        if (f)
            fclose(f);
    }
    return ok;
}

static inline void vo_test_server_stop(vo_test_server *srv)
{
    if (srv->pid > 0) {
        kill(srv->pid, SIGTERM);
        waitpid(srv->pid, NULL, 0);
        srv->pid = 0;
    }
}

#endif
