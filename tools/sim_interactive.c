/*
 * sim_interactive.c — `pnsim sim --interactive MODEL`: the token game.
 *
 * The session keeps one run (a simulate_trace) and shows, after every
 * change, the state the run is in and its enabled steps, numbered.  The
 * user fires a step by its number or its transition's name, goes `back`,
 * lets the simulator take `random N` steps, and `save`s the run as a trace
 * that `pnsim sim --replay` (and any JSON reader) understands.
 *
 * On a terminal, lines are read with libedit's readline interface: line
 * editing, history, and Tab completion of commands and transition names.
 * When stdin is not a terminal (a script, a pipe), plain lines are read
 * with getline and no prompt is printed, so the session can be driven and
 * its output compared.
 *
 * The random choices come from the same generator as `pnsim sim` (stream 0
 * of --seed), so a scripted session is reproducible.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli.h"
#include "cli_report.h"
#include "sim.h"
#include "simulate.h"

typedef struct sim_session {
    const model *model;
    const char *model_path;
    const state_predicate *final;
    simulate_trace trace;
    simulate_enabled enabled;     /* of the run's current state */
    simulate_rng rng;
    bool terminal;                /* stdin is a terminal: use libedit */
} sim_session;

static const char sim_session_help[] =
    "Commands:\n"
    "  N            fire enabled step number N\n"
    "  NAME         fire the enabled transition called NAME\n"
    "  back         undo the last step\n"
    "  random [N]   take N random steps (default 1), stopping in a dead state\n"
    "  trace        show the run so far\n"
    "  restart      go back to the initial state\n"
    "  save FILE    write the run as JSON (pnsim sim --replay FILE MODEL)\n"
    "  help         this text\n"
    "  quit         leave (also Ctrl-D)\n";

/* ---- completion --------------------------------------------------------
 * libedit calls the generator with state 0 for a new word, then with
 * increasing states until it returns NULL.  It frees what it is given. */

static const model *sim_completion_model;

static char *sim_complete(const char *text, int state)
{
    static const char *const commands[] = {"back", "random", "trace",
                                           "restart", "save", "help", "quit"};
    static size_t index;
    if (state == 0)
        index = 0;
    size_t length = strlen(text);
    size_t command_count = sizeof commands / sizeof commands[0];
    while (index < command_count + sim_completion_model->transition_count) {
        size_t i = index++;
        const char *candidate =
            i < command_count
                ? commands[i]
                : sim_completion_model->transitions[i - command_count].name;
        if (strncmp(candidate, text, length) == 0)
            return strdup(candidate);
    }
    return NULL;
}

/* ---- display ---------------------------------------------------------- */

static bool sim_session_is_final(const sim_session *session,
                                 const model_value *state)
{
    return session->final != NULL
               ? state_predicate_holds(session->final, state)
               : model_is_final(session->model, state);
}

/* Recomputes the enabled steps of the current state; prints the error and
 * returns false when the model fails. */
static bool sim_session_refresh(sim_session *session)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    if (simulate_enabled_compute(&session->enabled, session->model,
                                 simulate_trace_last(&session->trace),
                                 &error) != PNSIM_OK) {
        cli_report_error(&error, CLI_EXIT_ERROR);
        return false;
    }
    return true;
}

static void sim_session_show(const sim_session *session)
{
    const model *model = session->model;
    const simulate_trace *trace = &session->trace;
    if (trace->length == 0)
        printf("Step 0 (initial state)\n");
    else
        printf("Step %zu (after %s)\n", trace->length,
               model->transitions[trace->transitions[trace->length - 1]].name);
    printf("%s: ", model->slot_kind == MODEL_SLOT_TOKENS ? "Marking" : "State");
    cli_print_state(stdout, model, simulate_trace_last(trace));
    printf("\n");
    const simulate_enabled *enabled = &session->enabled;
    if (enabled->count == 0) {
        printf("No transition is enabled: %s.\n",
               sim_session_is_final(session, simulate_trace_last(trace))
                   ? "an intended final state" : "a DEADLOCK");
    } else {
        printf("Enabled:\n");
        for (size_t i = 0; i < enabled->count; i++) {
            uint32_t t = enabled->transitions[i];
            printf("  %3zu  %s", i + 1, model->transitions[t].name);
            /* A transition enabled in several ways: show where each leads. */
            if (simulate_enabled_find(enabled, t) != (long)i ||
                (i + 1 < enabled->count && enabled->transitions[i + 1] == t)) {
                printf("  -> ");
                cli_print_state(stdout, model,
                                simulate_enabled_successor(enabled, i));
            }
            printf("\n");
        }
    }
    fflush(stdout);
}

/* ---- commands --------------------------------------------------------- */

static bool sim_session_fire(sim_session *session, size_t step)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    if (simulate_trace_push(&session->trace,
                            session->enabled.transitions[step],
                            simulate_enabled_successor(&session->enabled, step),
                            0, &error) != PNSIM_OK) {
        cli_report_error(&error, CLI_EXIT_ERROR);
        return false;
    }
    return sim_session_refresh(session);
}

/* Parses a positive whole number filling all of `text`. */
static bool sim_parse_positive(const char *text, uint64_t *value)
{
    if (!isdigit((unsigned char)text[0]))
        return false;
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || parsed == 0)
        return false;
    *value = parsed;
    return true;
}

/* Runs one command line (trimmed, not empty).  Returns 1 to go on, 0 to
 * quit, -1 on a failure that ends the session. */
static int sim_session_command(sim_session *session, char *line)
{
    const model *model = session->model;
    char *argument = line + strcspn(line, " \t");
    if (*argument != '\0') {
        *argument++ = '\0';
        argument += strspn(argument, " \t");
    }
    uint64_t number;

    if (strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0 ||
        strcmp(line, "q") == 0)
        return 0;
    if (strcmp(line, "help") == 0 || strcmp(line, "?") == 0) {
        fputs(sim_session_help, stdout);
        return 1;
    }
    if (strcmp(line, "back") == 0 || strcmp(line, "undo") == 0) {
        if (!simulate_trace_pop(&session->trace)) {
            printf("Already at the initial state.\n");
            return 1;
        }
        if (!sim_session_refresh(session))
            return -1;
        sim_session_show(session);
        return 1;
    }
    if (strcmp(line, "restart") == 0) {
        simulate_trace_reset(&session->trace,
                             simulate_trace_state(&session->trace, 0));
        if (!sim_session_refresh(session))
            return -1;
        sim_session_show(session);
        return 1;
    }
    if (strcmp(line, "trace") == 0) {
        sim_print_trace(stdout, model, &session->trace, false);
        return 1;
    }
    if (strcmp(line, "random") == 0) {
        number = 1;
        if (*argument != '\0' && !sim_parse_positive(argument, &number)) {
            printf("random needs a positive number of steps.\n");
            return 1;
        }
        uint64_t taken = 0;
        while (taken < number && session->enabled.count > 0) {
            size_t step = (size_t)simulate_rng_below(&session->rng,
                                                     session->enabled.count);
            uint32_t t = session->enabled.transitions[step];
            if (!sim_session_fire(session, step))
                return -1;
            taken++;
            printf("  %4zu  %s\n", session->trace.length,
                   model->transitions[t].name);
        }
        if (taken < number)
            printf("Stopped after %" PRIu64 " step%s: no transition is "
                   "enabled.\n", taken, taken == 1 ? "" : "s");
        sim_session_show(session);
        return 1;
    }
    if (strcmp(line, "save") == 0) {
        if (*argument == '\0') {
            printf("save needs a file name.\n");
            return 1;
        }
        pnsim_error error;
        pnsim_error_clear(&error);
        if (sim_save_trace(argument, model, session->model_path,
                           &session->trace, &error) != PNSIM_OK) {
            char message[2048];
            printf("Not saved: %s\n",
                   pnsim_error_format(&error, message, sizeof message));
            return 1;
        }
        printf("Saved %zu step%s to %s.\n", session->trace.length,
               session->trace.length == 1 ? "" : "s", argument);
        return 1;
    }

    /* A step number or a transition name. */
    long step = -1;
    if (*argument != '\0') {
        printf("Unknown command '%s'; 'help' lists the commands.\n", line);
        return 1;
    }
    if (isdigit((unsigned char)line[0])) {
        if (!sim_parse_positive(line, &number) ||
            number > session->enabled.count) {
            if (session->enabled.count == 0)
                printf("No transition is enabled; 'back' undoes a step.\n");
            else if (session->enabled.count == 1)
                printf("The only step is 1.\n");
            else
                printf("Choose a step from 1 to %zu.\n",
                       session->enabled.count);
            return 1;
        }
        step = (long)(number - 1);
    } else {
        long transition = model_find_transition(model, line);
        if (transition < 0) {
            printf("Unknown command or transition '%s'; 'help' lists the "
                   "commands.\n", line);
            return 1;
        }
        step = simulate_enabled_find(&session->enabled, (uint32_t)transition);
        if (step < 0) {
            printf("'%s' is not enabled here.\n", line);
            return 1;
        }
    }
    if (!sim_session_fire(session, (size_t)step))
        return -1;
    sim_session_show(session);
    return 1;
}

/* ---- the loop --------------------------------------------------------- */

/* The next line without its newline, to be freed by the caller; NULL at the
 * end of the input. */
static char *sim_session_read(const sim_session *session)
{
    if (session->terminal)
        return readline("pnsim> ");
    char *line = NULL;
    size_t size = 0;
    if (getline(&line, &size, stdin) < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

int sim_interactive(const cli_model *loaded, const char *model_path,
                    const state_predicate *final, uint64_t seed)
{
    const model *model = loaded->model;
    sim_session session;
    memset(&session, 0, sizeof session);
    session.model = model;
    session.model_path = model_path;
    session.final = final;
    session.terminal = isatty(STDIN_FILENO) == 1;
    simulate_rng_seed(&session.rng, seed, 0);

    pnsim_error error;
    pnsim_error_clear(&error);
    model_value *initial = malloc((model->state_length + 1) * sizeof *initial);
    if (initial == NULL) {
        fprintf(stderr, "pnsim sim: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    model_initial_state(model, initial);
    pnsim_status status = simulate_trace_init(&session.trace, model, initial,
                                              &error);
    free(initial);
    if (status == PNSIM_OK)
        status = simulate_enabled_init(&session.enabled, model, &error);
    if (status != PNSIM_OK) {
        simulate_trace_free(&session.trace);
        simulate_enabled_free(&session.enabled);
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }

    if (session.terminal) {
        rl_readline_name = "pnsim";
        sim_completion_model = model;
        rl_completion_entry_function = sim_complete;
        using_history();
    }

    int code = CLI_EXIT_PASS;
    cli_report_model_line(stdout, "sim", model_path, model);
    printf("The token game: fire a step by number or name; 'help' lists "
           "the commands.\n\n");
    if (!sim_session_refresh(&session)) {
        code = CLI_EXIT_ERROR;
    } else {
        sim_session_show(&session);
        for (;;) {
            char *line = sim_session_read(&session);
            if (line == NULL) {
                if (session.terminal)
                    printf("\n");
                break;
            }
            /* Trim white space at both ends. */
            char *start = line + strspn(line, " \t");
            size_t length = strlen(start);
            while (length > 0 && isspace((unsigned char)start[length - 1]))
                start[--length] = '\0';
            int result = 1;
            if (*start != '\0') {
                if (session.terminal)
                    add_history(start);
                result = sim_session_command(&session, start);
            }
            free(line);
            fflush(stdout);
            if (result <= 0) {
                code = result < 0 ? CLI_EXIT_ERROR : CLI_EXIT_PASS;
                break;
            }
        }
    }

    if (session.terminal)
        clear_history();
    simulate_trace_free(&session.trace);
    simulate_enabled_free(&session.enabled);
    return code;
}
