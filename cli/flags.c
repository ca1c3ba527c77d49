/*
 * flags.c -- the library's messages speak of spec fields (spec.dt) and calls (rectic_net_set); the command
 * line's user gave flags.  rct_cli_flags rewrites the one into the other before a message is shown.
 */
#include <string.h>

#include "cli.h"

/* Library phrases rewritten as something other than a flag's own name (the flags' library names are in
   the flag table, flagtab.c). */
static const char *const phrases[][2] = {
    {"rectic_net_feedback_into(net, POP, ...)", "--feedback-weights POP=FILE"},
    {"rectic_net_emit with RECTIC_BACKEND_NVRTC", "`rectic emit --target cuda`"},
};

/* Is c a character of a C name (so that a name followed by it is only part of a longer one)? */
static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does the library name n (len bytes) stand at p as a whole name (not followed by a character of a name)? */
static int name_at(const char *p, const char *n, size_t len)
{
    return !strncmp(p, n, len) && !name_char(p[len]);
}

/* The longest library name at p (a name of the flag table's, or a phrase) and what it becomes: its length,
   0 when none; *as the replacement, *as_len its length. */
static size_t longest_name(const char *p, const char **as, size_t *as_len)
{
    size_t best = 0;
    for (int k = 0; k < rct_cli_flag_count; k++) {
        const rct_cli_flag *f = &rct_cli_flag_table[k];
        for (const char *n = f->lib; n && *n;) { /* '|' between the names */
            size_t len = strcspn(n, "|");
            if (len > best && name_at(p, n, len))
                best = len, *as = f->name, *as_len = strlen(f->name);
            n += len + (n[len] == '|');
        }
    }
    for (size_t k = 0; k < sizeof phrases / sizeof phrases[0]; k++) {
        size_t len = strlen(phrases[k][0]);
        if (len > best && name_at(p, phrases[k][0], len))
            best = len, *as = phrases[k][1], *as_len = strlen(phrases[k][1]);
    }
    return best;
}

const char *rct_cli_flags(const char *msg, char *buf, size_t size)
{
    size_t out = 0;
    for (const char *p = msg; *p && out + 1 < size;) {
        const char *as = NULL;
        size_t as_len = 0, len = p == msg || !name_char(p[-1]) ? longest_name(p, &as, &as_len) : 0;
        if (!len) {
            buf[out++] = *p++;
            continue;
        }
        if (out + as_len + 1 >= size)
            break;
        memcpy(buf + out, as, as_len);
        out += as_len;
        p += len;
    }
    buf[out] = '\0';
    return buf;
}
