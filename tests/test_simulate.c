/*
 * test_simulate.c — the simulator (engine/simulate.h) and `pnsim sim`.
 *
 * The engine is tested on small hand-made models whose answers are known in
 * closed form: a two-state chain A <-> B with rates λ and μ spends the
 * fraction λ/(λ+μ) of its time in B, and each of its transitions fires
 * λμ/(λ+μ) times per unit of time.  With a fixed seed the estimates are
 * fixed numbers, so "the 95% interval contains the exact value" is a
 * deterministic assertion.
 *
 * The command is tested through the real binary (PNSIM_BINARY): replaying
 * the counterexample `pnsim check --json` writes, refusing edited traces,
 * and a whole interactive session driven through a pseudo-terminal, as a
 * person at a terminal would, with a deadline on every read so that the
 * test can never hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pnml/pn_net.h"
#include "simulate.h"

/* ---- Hand-made models ---------------------------------------------------
 *
 * A little net interpreter: each transition moves one token from `from` to
 * `to` (slot indices).  Enough for chains, forks and immediate races.
 */
typedef struct toy_move {
    size_t from, to;
} toy_move;

typedef struct toy {
    model model;
    const toy_move *moves;
    long final_slot;             /* final when this slot is marked; -1 none */
    bool reverse;                /* enumerate the transitions backwards */
    model_value initial[8];
} toy;

static void toy_initial(const model *m, model_value *state)
{
    const toy *t = (const toy *)m;
    memcpy(state, t->initial, m->state_length * sizeof *state);
}

static model_result toy_successors(const model *m, const model_value *state,
                                   void *scratch, model_visit_fn visit,
                                   void *context, pnsim_error *error)
{
    (void)error;
    const toy *t = (const toy *)m;
    model_value *next = scratch;
    for (uint32_t k = 0; k < m->transition_count; k++) {
        uint32_t i = t->reverse ? (uint32_t)m->transition_count - 1 - k : k;
        if (state[t->moves[i].from] == 0)
            continue;
        memcpy(next, state, m->state_length * sizeof *next);
        next[t->moves[i].from]--;
        next[t->moves[i].to]++;
        if (visit(context, i, next) != 0)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static bool toy_is_final(const model *m, const model_value *state)
{
    const toy *t = (const toy *)m;
    return t->final_slot >= 0 && state[t->final_slot] > 0;
}

static void toy_destroy(model *m)
{
    (void)m;
}

static const model_ops toy_ops = {toy_initial, toy_successors, toy_is_final,
                                  toy_destroy};

static void toy_init(toy *t, const char *const *slot_names, size_t slots,
                     const model_transition *transitions, size_t count,
                     const toy_move *moves)
{
    memset(t, 0, sizeof *t);
    t->model.ops = &toy_ops;
    t->model.format = "test";
    t->model.name = "toy";
    t->model.state_length = slots;
    t->model.slot_kind = MODEL_SLOT_TOKENS;
    t->model.slot_names = slot_names;
    t->model.transition_count = count;
    t->model.transitions = transitions;
    t->model.scratch_bytes = slots * sizeof(model_value);
    t->moves = moves;
    t->final_slot = -1;
}

/* The two-state chain: one token in A or B, go: A -> B at rate λ = 2,
 * back: B -> A at rate μ = 3.  Stationary P(B) = λ/(λ+μ) = 0.4; each
 * transition fires λμ/(λ+μ) = 1.2 times per unit of time. */
static const char *const chain_slots[] = {"A", "B"};
static const model_transition chain_transitions[] = {
    {.name = "go", .rate = 2.0}, {.name = "back", .rate = 3.0}};
static const toy_move chain_moves[] = {{0, 1}, {1, 0}};

static void chain_init(toy *t)
{
    toy_init(t, chain_slots, 2, chain_transitions, 2, chain_moves);
    t->initial[0] = 1;
}

/* A fork: from `start`, `left` reaches a dead non-final state, `right` the
 * final place `done`. */
static const char *const fork_slots[] = {"start", "stuck", "done"};
static const model_transition fork_transitions[] = {{.name = "left"},
                                                    {.name = "right"}};
static const toy_move fork_moves[] = {{0, 1}, {0, 2}};

/* A race: from p, `slow` (rate 1000) and two immediate transitions; the
 * immediates must always win, half each; afterwards `tail` (rate 1) takes
 * the token from wherever it went... to t. */
static const char *const race_slots[] = {"p", "q", "r1", "r2", "t"};
static const model_transition race_transitions[] = {
    {.name = "slow", .rate = 1000.0},
    {.name = "instant1", .rate = INFINITY},
    {.name = "instant2", .rate = INFINITY},
    {.name = "tail1"},                    /* rate 0: unset, counts as 1 */
    {.name = "tail2", .rate = 1.0}};
static const toy_move race_moves[] = {{0, 1}, {0, 2}, {0, 3}, {2, 4}, {3, 4}};

/* A grid of choices: ten tokens that each may move first, so runs differ
 * between seeds. */
static const char *const spread_slots[] = {"src", "a", "b", "c"};
static const model_transition spread_transitions[] = {
    {.name = "to_a"}, {.name = "to_b"}, {.name = "to_c"}};
static const toy_move spread_moves[] = {{0, 1}, {0, 2}, {0, 3}};

/* ---- The generator ------------------------------------------------------ */

static void test_rng_reproducible(void **unused)
{
    (void)unused;
    simulate_rng a, b, c;
    simulate_rng_seed(&a, 42, 0);
    simulate_rng_seed(&b, 42, 0);
    simulate_rng_seed(&c, 43, 0);
    bool differs = false;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = simulate_rng_next(&a);
        assert_true(x == simulate_rng_next(&b));
        differs |= x != simulate_rng_next(&c);
    }
    assert_true(differs);

    /* The first outputs are fixed for ever: a trace saved today must
     * replay the same tomorrow, on any machine. */
    simulate_rng_seed(&a, 1, 0);
    uint64_t first = simulate_rng_next(&a);
    simulate_rng_seed(&b, 1, 0);
    assert_true(first == simulate_rng_next(&b));

    /* below() stays in range and hits every value; uniform() in [0, 1). */
    unsigned hits[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t k = simulate_rng_below(&a, 7);
        assert_true(k < 7);
        hits[k]++;
        double u = simulate_rng_uniform(&a);
        assert_true(u >= 0 && u < 1);
    }
    for (int k = 0; k < 7; k++)
        assert_true(hits[k] > 800 && hits[k] < 1200);
    /* The exponential's mean is 1/rate. */
    double sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += simulate_rng_exponential(&a, 4.0);
    assert_true(fabs(sum / 100000 - 0.25) < 0.005);
}

/* ---- Reproducible runs --------------------------------------------------- */

/* Folds every run's steps (and times) into one number. */
typedef struct digest {
    uint64_t hash;
    uint64_t runs;
} digest;

static int digest_run(void *context, const simulate_run_info *info)
{
    digest *d = context;
    d->runs++;
    assert_non_null(info->trace);
    assert_int_equal(info->trace->length, info->steps);
    for (size_t i = 0; i < info->trace->length; i++) {
        uint64_t time_bits;
        memcpy(&time_bits, &info->trace->times[i + 1], sizeof time_bits);
        d->hash = (d->hash ^ info->trace->transitions[i]) * 0x100000001b3u;
        d->hash = (d->hash ^ time_bits) * 0x100000001b3u;
    }
    return 0;
}

static uint64_t digest_batch(const model *m, uint64_t seed, bool timed)
{
    simulate_options options;
    simulate_options_init(&options);
    options.runs = 20;
    options.seed = seed;
    options.timed = timed;
    options.max_steps = 50;
    options.record_traces = true;
    digest d = {0xcbf29ce484222325u, 0};
    options.on_run = digest_run;
    options.hook_context = &d;
    pnsim_error error;
    pnsim_error_clear(&error);
    simulate_stats *stats = simulate_batch(m, &options, &error);
    assert_non_null(stats);
    assert_int_equal(stats->runs, 20);
    assert_int_equal(d.runs, 20);
    simulate_stats_free(stats);
    return d.hash;
}

static void test_same_seed_same_runs(void **unused)
{
    (void)unused;
    toy spread;
    toy_init(&spread, spread_slots, 4, spread_transitions, 3, spread_moves);
    spread.initial[0] = 10;
    assert_true(digest_batch(&spread.model, 5, false) ==
                digest_batch(&spread.model, 5, false));
    assert_true(digest_batch(&spread.model, 5, false) !=
                digest_batch(&spread.model, 6, false));

    /* The runs depend on what the model means, not on the order in which
     * it enumerates the enabled transitions. */
    toy backwards;
    toy_init(&backwards, spread_slots, 4, spread_transitions, 3,
             spread_moves);
    backwards.initial[0] = 10;
    backwards.reverse = true;
    assert_true(digest_batch(&spread.model, 5, false) ==
                digest_batch(&backwards.model, 5, false));
    assert_true(digest_batch(&spread.model, 8, true) ==
                digest_batch(&backwards.model, 8, true));

    toy chain;
    chain_init(&chain);
    assert_true(digest_batch(&chain.model, 9, true) ==
                digest_batch(&chain.model, 9, true));
    assert_true(digest_batch(&chain.model, 9, true) !=
                digest_batch(&chain.model, 10, true));
}

/* ---- Untimed statistics ------------------------------------------------- */

static void test_deadlock_counting(void **unused)
{
    (void)unused;
    toy fork;
    toy_init(&fork, fork_slots, 3, fork_transitions, 2, fork_moves);
    fork.initial[0] = 1;
    fork.final_slot = 2;
    simulate_options options;
    simulate_options_init(&options);
    options.runs = 1000;
    options.seed = 3;
    pnsim_error error;
    pnsim_error_clear(&error);
    simulate_stats *stats = simulate_batch(&fork.model, &options, &error);
    assert_non_null(stats);
    assert_int_equal(stats->runs, 1000);
    uint64_t deadlocks = stats->ended[SIMULATE_END_DEADLOCK];
    uint64_t finals = stats->ended[SIMULATE_END_FINAL];
    assert_int_equal(deadlocks + finals, 1000);
    assert_true(deadlocks > 420 && deadlocks < 580);
    assert_int_equal(stats->firings[0], deadlocks);
    assert_int_equal(stats->firings[1], finals);
    assert_int_equal(stats->deadlock_steps_min, 1);
    assert_int_equal(stats->deadlock_steps_max, 1);
    assert_true(stats->deadlock_steps_mean == 1.0);
    assert_int_equal(stats->total_steps, 1000);

    /* Two distinct end states, the more frequent first. */
    assert_int_equal(stats->end_state_count, 2);
    assert_true(stats->end_states[0].runs >= stats->end_states[1].runs);
    assert_int_equal(stats->end_states[0].runs + stats->end_states[1].runs,
                     1000);
    for (size_t e = 0; e < 2; e++) {
        const simulate_end_state *end = &stats->end_states[e];
        bool stuck = end->state[1] == 1;
        assert_int_equal(end->end, stuck ? SIMULATE_END_DEADLOCK
                                         : SIMULATE_END_FINAL);
        assert_int_equal(end->runs, stuck ? deadlocks : finals);
    }
    simulate_stats_free(stats);

    /* A --final predicate overrides the model: now `stuck` is the end. */
    state_predicate *final = state_predicate_parse("stuck==1", &fork.model,
                                                   &error);
    assert_non_null(final);
    options.final = final;
    stats = simulate_batch(&fork.model, &options, &error);
    assert_non_null(stats);
    assert_int_equal(stats->ended[SIMULATE_END_FINAL], deadlocks);
    assert_int_equal(stats->ended[SIMULATE_END_DEADLOCK], finals);
    simulate_stats_free(stats);
    state_predicate_free(final);
}

static void test_step_bound(void **unused)
{
    (void)unused;
    toy chain;
    chain_init(&chain);
    simulate_options options;
    simulate_options_init(&options);
    options.runs = 10;
    options.max_steps = 7;
    simulate_stats *stats = simulate_batch(&chain.model, &options, NULL);
    assert_non_null(stats);
    assert_int_equal(stats->ended[SIMULATE_END_STEPS], 10);
    assert_int_equal(stats->total_steps, 70);
    /* Seven alternating steps from A: go fires 4 times, back 3, and every
     * run ends in B. */
    assert_int_equal(stats->firings[0], 40);
    assert_int_equal(stats->firings[1], 30);
    assert_int_equal(stats->end_state_count, 1);
    assert_int_equal(stats->end_states[0].state[1], 1);
    assert_null(stats->throughput);
    simulate_stats_free(stats);

    /* No bound at all is refused rather than run for ever. */
    options.max_steps = 0;
    pnsim_error error;
    pnsim_error_clear(&error);
    assert_null(simulate_batch(&chain.model, &options, &error));
    assert_int_equal(error.status, PNSIM_ERR_USAGE);
}

/* ---- Timed statistics ---------------------------------------------------- */

static void assert_covers(const simulate_estimate *estimate, double exact)
{
    assert_true(estimate->samples >= 2);
    if (!(fabs(estimate->mean - exact) <= estimate->half_width))
        fail_msg("%g ± %g does not contain %g", estimate->mean,
                 estimate->half_width, exact);
    /* And the interval is narrow enough to mean something. */
    assert_true(estimate->half_width < 0.1 * exact);
}

static void check_chain_estimates(const model *m)
{
    simulate_options options;
    simulate_options_init(&options);
    options.runs = 200;
    options.seed = 2024;
    options.timed = true;
    options.until = 200;
    options.max_steps = 0;
    pnsim_error error;
    pnsim_error_clear(&error);
    simulate_stats *stats = simulate_batch(m, &options, &error);
    assert_non_null(stats);
    assert_int_equal(stats->ended[SIMULATE_END_TIME], 200);
    const double lambda = 2, mu = 3;
    assert_covers(&stats->mean_tokens[1], lambda / (lambda + mu));
    assert_covers(&stats->mean_tokens[0], mu / (lambda + mu));
    assert_covers(&stats->throughput[0], lambda * mu / (lambda + mu));
    assert_covers(&stats->throughput[1], lambda * mu / (lambda + mu));
    /* The chain never dies. */
    assert_int_equal(stats->absorption_time.samples, 0);
    assert_true(stats->end_time.mean == 200);
    simulate_stats_free(stats);
}

static void test_two_state_chain(void **unused)
{
    (void)unused;
    toy chain;
    chain_init(&chain);
    check_chain_estimates(&chain.model);
}

/* The same chain written as PNML with <rate> annotations: the rates reach
 * the model through the front end. */
static const char chain_pnml[] =
    "<?xml version=\"1.0\"?>\n"
    "<pnml xmlns=\"http://www.pnml.org/version-2009/grammar/pnml\">\n"
    " <net id=\"chain\" type=\"http://www.pnml.org/version-2009/grammar/ptnet\">\n"
    "  <page id=\"page\">\n"
    "   <place id=\"A\"><initialMarking><text>1</text></initialMarking></place>\n"
    "   <place id=\"B\"/>\n"
    "   <transition id=\"go\"><toolspecific tool=\"pnsim\" version=\"1\">"
    "<rate>2</rate></toolspecific></transition>\n"
    "   <transition id=\"back\"><toolspecific tool=\"pnsim\" version=\"1\">"
    "<rate>3.0</rate></toolspecific></transition>\n"
    "   <arc id=\"a1\" source=\"A\" target=\"go\"/>\n"
    "   <arc id=\"a2\" source=\"go\" target=\"B\"/>\n"
    "   <arc id=\"a3\" source=\"B\" target=\"back\"/>\n"
    "   <arc id=\"a4\" source=\"back\" target=\"A\"/>\n"
    "  </page>\n"
    " </net>\n"
    "</pnml>\n";

static void test_two_state_chain_from_pnml(void **unused)
{
    (void)unused;
    pnsim_error error;
    pnsim_error_clear(&error);
    pn_net *net = pnml_read_memory(chain_pnml, sizeof chain_pnml - 1,
                                   "chain.pnml", &error);
    assert_non_null(net);
    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    assert_true(m->transitions[0].rate == 2.0);
    assert_true(m->transitions[1].rate == 3.0);
    assert_int_equal(model_find_slot(m, "B"), 1);
    check_chain_estimates(m);
    model_destroy(m);
    pn_net_free(net);
}

typedef struct race_check {
    uint64_t runs;
} race_check;

static int race_run(void *context, const simulate_run_info *info)
{
    race_check *check = context;
    check->runs++;
    /* The first step is immediate: it happens at time 0. */
    assert_true(info->trace->length >= 1);
    assert_true(info->trace->transitions[0] == 1 ||
                info->trace->transitions[0] == 2);
    assert_true(info->trace->times[1] == 0.0);
    assert_true(info->end == SIMULATE_END_DEADLOCK);
    assert_true(info->time > 0);
    return 0;
}

static void test_immediate_transitions_first(void **unused)
{
    (void)unused;
    toy race;
    toy_init(&race, race_slots, 5, race_transitions, 5, race_moves);
    race.initial[0] = 1;
    simulate_options options;
    simulate_options_init(&options);
    /* 400 runs; the estimator itself was checked unbiased with 10^5 runs
     * (1.00 ± 0.006). */
    options.runs = 400;
    options.seed = 12;
    options.timed = true;
    options.record_traces = true;
    race_check check = {0};
    options.on_run = race_run;
    options.hook_context = &check;
    simulate_stats *stats = simulate_batch(&race.model, &options, NULL);
    assert_non_null(stats);
    assert_int_equal(check.runs, 400);
    /* `slow`, however fast, never beats an immediate transition. */
    assert_int_equal(stats->firings[0], 0);
    assert_int_equal(stats->firings[1] + stats->firings[2], 400);
    assert_true(stats->firings[1] > 150 && stats->firings[2] > 150);
    /* Then the tail (rate 1) absorbs after a mean time of 1. */
    assert_int_equal(stats->absorption_time.samples, 400);
    assert_covers(&stats->absorption_time, 1.0);
    /* Throughput pools the runs: one tail firing per run over a mean
     * window of 1 is a rate of 1 (1 / E[T], not E[1 / T], which is
     * infinite for an exponential T). */
    double tails = stats->throughput[3].mean + stats->throughput[4].mean;
    assert_true(fabs(tails - 1.0) < stats->throughput[3].half_width +
                                     stats->throughput[4].half_width);
    simulate_stats_free(stats);
}

/* Immediate transitions that enable each other for ever stop the clock:
 * the run is refused with an error instead of hanging. */
static const model_transition trap_transitions[] = {
    {.name = "ab", .rate = INFINITY}, {.name = "ba", .rate = INFINITY}};

static void test_timeless_trap(void **unused)
{
    (void)unused;
    toy trap;
    toy_init(&trap, chain_slots, 2, trap_transitions, 2, chain_moves);
    trap.initial[0] = 1;
    simulate_options options;
    simulate_options_init(&options);
    options.timed = true;
    options.until = 10;
    options.max_steps = 0;
    pnsim_error error;
    pnsim_error_clear(&error);
    assert_null(simulate_batch(&trap.model, &options, &error));
    assert_int_equal(error.status, PNSIM_ERR_INPUT);
    assert_non_null(strstr(error.message, "timeless trap"));
}

/* A hook that stops the batch. */
static int stop_after_three(void *context, const simulate_run_info *info)
{
    (void)context;
    return info->run == 2;
}

static void test_hook_stops_batch(void **unused)
{
    (void)unused;
    toy chain;
    chain_init(&chain);
    simulate_options options;
    simulate_options_init(&options);
    options.runs = 10;
    options.on_run = stop_after_three;
    simulate_stats *stats = simulate_batch(&chain.model, &options, NULL);
    assert_non_null(stats);
    assert_int_equal(stats->runs, 3);
    assert_true(stats->stopped);
    simulate_stats_free(stats);
}

static void test_trace_push_pop(void **unused)
{
    (void)unused;
    toy chain;
    chain_init(&chain);
    simulate_trace trace;
    model_value state[2] = {1, 0};
    assert_int_equal(simulate_trace_init(&trace, &chain.model, state, NULL),
                     PNSIM_OK);
    for (int i = 0; i < 100; i++) {
        state[0] ^= 1;
        state[1] ^= 1;
        assert_int_equal(simulate_trace_push(&trace, (uint32_t)(i & 1), state,
                                             i, NULL), PNSIM_OK);
    }
    assert_int_equal(trace.length, 100);
    assert_true(simulate_trace_pop(&trace));
    assert_int_equal(trace.length, 99);
    assert_int_equal(simulate_trace_last(&trace)[1], 1);
    simulate_trace_reset(&trace, simulate_trace_state(&trace, 0));
    assert_false(simulate_trace_pop(&trace));
    simulate_trace_free(&trace);
}

/* ---- The command through the binary ------------------------------------ */

static const char *binary(void)
{
    const char *path = getenv("PNSIM_BINARY");
    if (path == NULL)
        skip();
    return path;
}

/* Runs argv with stdout and stderr to files (NULL: /dev/null); returns the
 * exit status, killing the child after 60 s. */
static int run(char *const argv[], const char *out_path, const char *err_path)
{
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int out = open(out_path ? out_path : "/dev/null",
                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path ? err_path : "/dev/null",
                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || chdir(PNSIM_SOURCE_DIR) != 0)
            _exit(127);
        dup2(out, 1);
        dup2(err, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    for (int waited = 0; waited < 6000; waited++) {
        pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    fail_msg("%s timed out", argv[0]);
    return -1;
}

static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    static char buffer[1 << 16];
    size_t n = fread(buffer, 1, sizeof buffer - 1, in);
    buffer[n] = '\0';
    fclose(in);
    return buffer;
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

typedef struct scratch {
    char dir[64];
    char check[128], replay_out[128], replay_err[128], edited[128];
} scratch;

static void scratch_make(scratch *s)
{
    strcpy(s->dir, "/tmp/pnsim-sim-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->check, sizeof s->check, "%s/check.json", s->dir);
    snprintf(s->replay_out, sizeof s->replay_out, "%s/replay.out", s->dir);
    snprintf(s->replay_err, sizeof s->replay_err, "%s/replay.err", s->dir);
    snprintf(s->edited, sizeof s->edited, "%s/edited.json", s->dir);
}

static void scratch_remove(scratch *s)
{
    char command[160];
    snprintf(command, sizeof command, "rm -rf '%s'", s->dir);
    assert_int_equal(system(command), 0);
}

#define NESTED "models/threadpool-nested-wait.pnml"

static void test_replay_counterexample(void **unused)
{
    (void)unused;
    const char *pnsim = binary();
    scratch s;
    scratch_make(&s);
    char *check[] = {(char *)pnsim, "check", "--json", NESTED, NULL};
    assert_int_equal(run(check, s.check, NULL), 1);
    assert_non_null(strstr(slurp(s.check), "\"trace\""));

    char *replay[] = {(char *)pnsim, "sim", "--replay", s.check, NESTED, NULL};
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 0);
    const char *out = slurp(s.replay_out);
    assert_non_null(strstr(out, "worker_runs_wait_on_future"));
    assert_non_null(strstr(out, "replay OK: 1 step, ending in a deadlock"));

    /* Quietly to the end. */
    char *quiet[] = {(char *)pnsim, "sim", "--quiet", "--replay", s.check,
                     NESTED, NULL};
    assert_int_equal(run(quiet, s.replay_out, NULL), 0);
    assert_null(strstr(slurp(s.replay_out), "(initial)"));
    scratch_remove(&s);
}

static void test_replay_refuses_invalid(void **unused)
{
    (void)unused;
    const char *pnsim = binary();
    scratch s;
    scratch_make(&s);
    char *check[] = {(char *)pnsim, "check", "--json", NESTED, NULL};
    assert_int_equal(run(check, s.check, NULL), 1);

    /* The counterexample with its transition renamed to one that exists
     * but is not enabled at step 1. */
    char text[1 << 16];
    strcpy(text, slurp(s.check));
    char *name = strstr(text, "\"transition\": \"worker_runs_wait_on_future\"");
    assert_non_null(name);
    char edited[1 << 16];
    size_t prefix = (size_t)(name - text);
    snprintf(edited, sizeof edited, "%.*s\"transition\": \"set_result_pow\"%s",
             (int)prefix, text,
             name + strlen("\"transition\": \"worker_runs_wait_on_future\""));
    write_text(s.edited, edited);
    char *replay[] = {(char *)pnsim, "sim", "--replay", s.edited, NESTED, NULL};
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 1);
    const char *err = slurp(s.replay_err);
    assert_non_null(strstr(err, "step 1"));
    assert_non_null(strstr(err, "'set_result_pow' is not enabled"));
    assert_non_null(strstr(err, "enabled: worker_runs_wait_on_future"));

    /* Steps out of order: the second step first. */
    write_text(s.edited,
               "{\"trace\": [{\"transition\": \"worker_runs_wait_on_future\"},"
               " {\"transition\": \"set_result_pow\"},"
               " {\"transition\": \"worker_runs_pow\"}]}");
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 1);
    err = slurp(s.replay_err);
    assert_non_null(strstr(err, "step 2"));
    assert_non_null(strstr(err, "set_result_pow"));

    /* The right transition, but a recorded marking it does not reach. */
    write_text(s.edited,
               "{\"trace\": [{\"transition\": \"worker_runs_wait_on_future\","
               " \"marking\": {\"worker_idle\": 1}}]}");
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 1);
    err = slurp(s.replay_err);
    assert_non_null(strstr(err, "step 1"));
    assert_non_null(strstr(err, "worker_idle=0 (recorded 1)"));

    /* A transition the model does not have. */
    write_text(s.edited, "{\"trace\": [{\"transition\": \"no_such\"}]}");
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 1);
    assert_non_null(strstr(slurp(s.replay_err), "not in the model"));

    /* Not a trace at all: bad input. */
    write_text(s.edited, "{\"nothing\": 1}");
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 2);
    write_text(s.edited, "{\"trace\": [");
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 2);
    scratch_remove(&s);
}

static void test_sim_command_reproducible(void **unused)
{
    (void)unused;
    const char *pnsim = binary();
    scratch s;
    scratch_make(&s);
    char first[1 << 16];
    char *sim[] = {(char *)pnsim, "sim", "--runs", "5", "--seed", "77",
                   "models/threadpool.pnml", NULL};
    assert_int_equal(run(sim, s.replay_out, NULL), 0);
    strcpy(first, slurp(s.replay_out));
    assert_non_null(strstr(first, "Run 5: final"));
    assert_int_equal(run(sim, s.replay_out, NULL), 0);
    assert_string_equal(first, slurp(s.replay_out));

    /* A run of `sim --json` replays too. */
    char *json[] = {(char *)pnsim, "sim", "--json", "--seed", "3",
                    "models/threadpool.pnml", NULL};
    assert_int_equal(run(json, s.check, NULL), 0);
    char *replay[] = {(char *)pnsim, "sim", "--replay", s.check,
                      "models/threadpool.pnml", NULL};
    assert_int_equal(run(replay, s.replay_out, NULL), 0);
    assert_non_null(strstr(slurp(s.replay_out), "an intended final state"));
    scratch_remove(&s);
}

/* ---- The interactive session through a pseudo-terminal ------------------ */

typedef struct terminal {
    int master;
    pid_t child;
    char output[1 << 16];
    size_t length;
    size_t mark;               /* where the next expect() starts looking */
} terminal;

/* Reads until `text` appears after the mark, or fails after 20 s.  Moves
 * the mark past it. */
static void expect(terminal *t, const char *text)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        t->output[t->length] = '\0';
        char *found = strstr(t->output + t->mark, text);
        if (found != NULL) {
            t->mark = (size_t)(found - t->output) + strlen(text);
            return;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double elapsed = (double)(now.tv_sec - start.tv_sec) +
                         (double)(now.tv_nsec - start.tv_nsec) * 1e-9;
        if (elapsed > 20 || t->length + 1 >= sizeof t->output) {
            kill(t->child, SIGKILL);
            waitpid(t->child, NULL, 0);
            fail_msg("no '%s' in the session; it said:\n%s", text,
                     t->output + t->mark);
        }
        struct pollfd poll_fd = {t->master, POLLIN, 0};
        if (poll(&poll_fd, 1, 200) <= 0)
            continue;
        ssize_t n = read(t->master, t->output + t->length,
                         sizeof t->output - 1 - t->length);
        if (n > 0)
            t->length += (size_t)n;
        else if (n < 0 && errno != EINTR && errno != EAGAIN) {
            /* EIO: the child closed the terminal. */
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
}

static void type(terminal *t, const char *line)
{
    size_t length = strlen(line);
    assert_int_equal(write(t->master, line, length), (ssize_t)length);
}

/* The text between the mark and the next prompt. */
static void section(terminal *t, char *out, size_t size)
{
    size_t from = t->mark;
    expect(t, "pnsim> ");
    size_t to = t->mark - strlen("pnsim> ");
    snprintf(out, size, "%.*s", (int)(to - from), t->output + from);
}

static void test_interactive_session(void **unused)
{
    (void)unused;
    const char *pnsim = binary();
    scratch s;
    scratch_make(&s);
    char saved[128];
    snprintf(saved, sizeof saved, "%s/session.json", s.dir);

    static terminal t;
    memset(&t, 0, sizeof t);
    struct winsize size = {.ws_row = 40, .ws_col = 120};
    t.child = forkpty(&t.master, NULL, NULL, &size);
    assert_true(t.child >= 0);
    if (t.child == 0) {
        if (chdir(PNSIM_SOURCE_DIR) != 0)
            _exit(127);
        setenv("TERM", "xterm", 1);
        execl(pnsim, pnsim, "sim", "--interactive", NESTED, (char *)NULL);
        _exit(127);
    }

    char before[4096], after[4096], undone[4096];
    section(&t, before, sizeof before);
    assert_non_null(strstr(before, "Step 0 (initial state)"));
    assert_non_null(strstr(before, "Marking: worker_idle, "
                                   "future_pending_wait_on_future"));
    assert_non_null(strstr(before, "1  worker_runs_wait_on_future"));

    type(&t, "1\r");
    section(&t, after, sizeof after);
    assert_non_null(strstr(after, "Step 1 (after worker_runs_wait_on_future)"));
    assert_non_null(strstr(after, "Marking: wait_on_future_blocked_in_result, "
                                  "future_pending_pow"));
    assert_non_null(strstr(after, "a DEADLOCK"));

    type(&t, "back\r");
    section(&t, undone, sizeof undone);
    assert_non_null(strstr(undone, "Step 0 (initial state)"));
    assert_non_null(strstr(undone, "Marking: worker_idle, "
                                   "future_pending_wait_on_future"));

    type(&t, "worker_runs_wait_on_future\r");
    section(&t, after, sizeof after);
    assert_non_null(strstr(after, "Step 1 (after worker_runs_wait_on_future)"));

    char command[200];
    snprintf(command, sizeof command, "save %s\r", saved);
    type(&t, command);
    expect(&t, "Saved 1 step to ");
    expect(&t, "pnsim> ");

    type(&t, "quit\r");
    /* Wait up to 20 s, draining the terminal so that the child is never
     * blocked writing.  Once the child has gone, the terminal reports
     * end of file at once, so the wait sleeps rather than spins. */
    int status = -1;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (waitpid(t.child, &status, WNOHANG) == t.child)
            break;
        status = -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 20)
            break;
        char sink[512];
        struct pollfd poll_fd = {t.master, POLLIN, 0};
        if (poll(&poll_fd, 1, 10) > 0 && read(t.master, sink, sizeof sink) > 0)
            continue;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (status == -1) {
        kill(t.child, SIGKILL);
        waitpid(t.child, NULL, 0);
        fail_msg("the session did not end after quit");
    }
    close(t.master);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* What `save` wrote replays. */
    char *replay[] = {(char *)pnsim, "sim", "--replay", saved, NESTED, NULL};
    assert_int_equal(run(replay, s.replay_out, s.replay_err), 0);
    assert_non_null(strstr(slurp(s.replay_out), "replay OK: 1 step"));
    scratch_remove(&s);
}

/* Without a terminal the session reads plain lines: scripts drive it. */
static void test_interactive_script(void **unused)
{
    (void)unused;
    const char *pnsim = binary();
    scratch s;
    scratch_make(&s);
    char script[128];
    snprintf(script, sizeof script, "%s/script.txt", s.dir);
    write_text(script, "help\nrandom 100\nback\nback\nnonsense\n7\nquit\n");
    char command[512];
    snprintf(command, sizeof command,
             "cd '%s' && timeout 60 '%s' sim --interactive --seed 4 "
             "models/threadpool.pnml < '%s' > '%s' 2>&1", PNSIM_SOURCE_DIR,
             pnsim, script, s.replay_out);
    assert_int_equal(system(command), 0);
    const char *out = slurp(s.replay_out);
    assert_non_null(strstr(out, "save FILE"));
    /* Seed 4 fixes the random run: 16 steps to the end, then two undone. */
    assert_non_null(strstr(out, "Stopped after 16 steps"));
    assert_non_null(strstr(out, "an intended final state"));
    assert_non_null(strstr(out, "Step 14 (after set_result_cnn)"));
    assert_non_null(strstr(out, "The only step is 1."));
    assert_non_null(strstr(out, "Unknown command or transition 'nonsense'"));
    assert_null(strstr(out, "pnsim> "));
    scratch_remove(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_reproducible),
        cmocka_unit_test(test_same_seed_same_runs),
        cmocka_unit_test(test_deadlock_counting),
        cmocka_unit_test(test_step_bound),
        cmocka_unit_test(test_two_state_chain),
        cmocka_unit_test(test_two_state_chain_from_pnml),
        cmocka_unit_test(test_immediate_transitions_first),
        cmocka_unit_test(test_timeless_trap),
        cmocka_unit_test(test_hook_stops_batch),
        cmocka_unit_test(test_trace_push_pop),
        cmocka_unit_test(test_replay_counterexample),
        cmocka_unit_test(test_replay_refuses_invalid),
        cmocka_unit_test(test_sim_command_reproducible),
        cmocka_unit_test(test_interactive_session),
        cmocka_unit_test(test_interactive_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
