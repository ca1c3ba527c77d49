/*
 * flagparse.c -- reading the command line with the flag table (flagtab.c): finding a flag, refusing one the
 * command does not take, taking its value into options, and printing a command's --help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define complain rct_cli_complain

/* The entry whose name or alias is s, or NULL. */
static const rct_cli_flag *find(const char *s)
{
    for (int k = 0; k < rct_cli_flag_count; k++) {
        const rct_cli_flag *f = &rct_cli_flag_table[k];
        if (!strcmp(s, f->name) || (f->alias && !strcmp(s, f->alias)))
            return f;
    }
    return NULL;
}

/* The commands of the bits cmds in words ("`rectic run` and `rectic fit`"; fit's methods named when nothing else
   takes it) into buf; the count named. */
static int command_names(unsigned cmds, char *buf, size_t size)
{
    const char *names[5];
    int n = 0;
    if (cmds & RCT_CMD_RUN)
        names[n++] = "`rectic run`";
    if ((cmds & RCT_CMD_RIDGE) && (cmds & RCT_CMD_RLS) && (cmds & ~(unsigned)(RCT_CMD_RIDGE | RCT_CMD_RLS)))
        names[n++] = "`rectic fit`"; /* both methods, beside other commands */
    else {
        if (cmds & RCT_CMD_RIDGE)
            names[n++] = "`rectic fit ridge`";
        if (cmds & RCT_CMD_RLS)
            names[n++] = "`rectic fit rls`";
    }
    if (cmds & RCT_CMD_EMIT)
        names[n++] = "`rectic emit`";
    if (cmds & RCT_CMD_CHECK)
        names[n++] = "`rectic check`";
    buf[0] = '\0';
    for (int k = 0; k < n; k++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", k == 0 ? "" : k == n - 1 ? " and " : ", ", names[k]);
    return n;
}

/* Complains that the command does not take flag f (given as a): "FLAG: only `rectic ...` take(s) it". */
static void refuse(const rct_cli_flag *f, const char *a)
{
    char who[200];
    int n = command_names(f->cmds, who, sizeof who);
    complain("%s: only %s take%s it%s%s%s", a, who, n > 1 ? "" : "s", f->why ? " (" : "", f->why ? f->why : "",
             f->why ? ")" : "");
}

/* Stores the value v of flag f (given as a) into o; 0, or -1 after a complaint. */
static int store(options *o, const rct_cli_flag *f, const char *a, const char *v)
{
    void *field = (char *)o + f->field;
    switch (f->kind) {
    case RCT_ARG_ON:
        *(int *)field = 1;
        return 0;
    case RCT_ARG_STR:
        *(const char **)field = v;
        return 0;
    case RCT_ARG_DOUBLE:
        return rct_cli_parse_double(a, v, field);
    case RCT_ARG_LONG:
        return rct_cli_parse_long(a, v, field);
    default:
        return f->take(o, a, v);
    }
}

/* The value of flag f at argv[*i] (given as a): v of --flag=VALUE, else the next argument (*i moves on), or
   for an optional value the next argument when it is one (rct_cli_is_subset).  0, or -1 after a
   complaint. */
static int value(const rct_cli_flag *f, const char *a, int argc, char **argv, int *i, const char **v)
{
    if (!f->arg && *v) {
        complain("%s: takes no value, got '%s'", a, *v);
        return -1;
    }
    if (!f->arg || *v)
        return 0;
    if (f->attrs & RCT_FLAG_OPTIONAL) {
        if (*i + 1 < argc && rct_cli_is_subset(argv[*i + 1]))
            *v = argv[++*i];
        return 0;
    }
    if (*i + 1 >= argc) {
        complain("%s: expected a value after it", a);
        return -1;
    }
    *v = argv[++*i];
    return 0;
}

/* Reads the flag at argv[*i] for command cmd: 0, 1 (no flag: a positional argument), -1 (complained). */
int rct_cli_flag_parse(options *o, int cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = NULL;
    char flag[64];
    if (a[0] != '-' || !a[1])
        return 1;
    const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL; /* --flag=value */
    if (eq && (size_t)(eq - a) < sizeof flag) {
        snprintf(flag, sizeof flag, "%.*s", (int)(eq - a), a);
        a = flag;
        v = eq + 1;
    }
    const rct_cli_flag *f = find(a);
    if (!f) {
        complain("unknown option '%s' (see --help)", a);
        return -1;
    }
    if (!(f->cmds & (unsigned)cmd)) {
        refuse(f, a);
        return -1;
    }
    if (f->kind == RCT_ARG_HELP) {
        rct_cli_help(stdout, cmd);
        exit(0);
    }
    if ((f->attrs & RCT_FLAG_TEMPLATE) && !o->template_flag) /* the spelling given, as the table holds it */
        o->template_flag = !strcmp(a, f->name) ? f->name : f->alias;
    return value(f, a, argc, argv, i, &v) || store(o, f, a, v) ? -1 : 0;
}

/* Prints text, its lines after the first indented by indent spaces. */
static void print_lines(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        fprintf(out, "%.*s\n", (int)len, p);
        p += len + (p[len] == '\n');
        if (*p)
            fprintf(out, "%*s", indent, "");
    }
}

/* Prints flag f's --help lines: "  --flag ARG" (or "  -x, --long ARG") in a column of 24, then its text. */
static void print_flag(FILE *out, const rct_cli_flag *f)
{
    char head[128];
    snprintf(head, sizeof head, "%s%s%s%s%s", f->name, f->alias ? ", " : "", f->alias ? f->alias : "",
             f->arg ? " " : "", f->arg ? f->arg : "");
    int width = (int)strlen(head);
    if (!f->help[0]) {
        fprintf(out, "  %s\n", head);
        return;
    }
    fprintf(out, "  %s%*s", head, width < 24 ? 24 - width : 2, "");
    print_lines(out, f->help, 26);
}

/* The text before the flags of cmd's --help: its usage lines and what it does. */
static const char *preamble(int cmd)
{
    return cmd == RCT_CMD_RIDGE ? rct_usage_fit : cmd == RCT_CMD_RLS ? rct_usage_fit_rls : cmd == RCT_CMD_EMIT
         ? rct_usage_emit : cmd == RCT_CMD_CHECK ? rct_usage_check : rct_usage_run;
}

/* Prints cmd's usage text, then the flags it takes, section by section. */
void rct_cli_help(FILE *out, int cmd)
{
    fputs(preamble(cmd), out);
    for (int s = 0; s < RCT_SEC_COUNT; s++) {
        int listed = 0;
        for (int k = 0; k < rct_cli_flag_count; k++) {
            const rct_cli_flag *f = &rct_cli_flag_table[k];
            if (f->section != s || !(f->cmds & (unsigned)cmd))
                continue;
            if (!listed++)
                fprintf(out, "\n%s\n", rct_cli_sections[s].title);
            print_flag(out, f);
        }
        if (listed && rct_cli_sections[s].footer)
            fputs(rct_cli_sections[s].footer, out);
    }
}
