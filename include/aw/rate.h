/*
 * rate.h - `alphawrite rate`: blind pairwise rating by a person, in the
 * terminal.
 *
 *   alphawrite rate [--pairs N] [--seed S] [--top K] --out FILE.jsonl SET_A SET_B
 *
 * The same pairs as `compare` draws for the same sets, --pairs, --seed and
 * --top (pairs.h), each shown once, its two stories labelled 1 and 2 in an
 * order drawn from the seed.  The person sees the premise, the stories and
 * nothing else - no id, generation, rating, model, goal or set - and
 * presses 1 or 2 for the better story, 0 when they cannot decide.  Each
 * choice is appended to FILE at once, in the verdict format of vote.h
 * (judge "person"), so that quitting, a crash or Ctrl-C loses nothing and
 * the same command continues where the person stopped; when every pair is
 * rated it prints the statistics `compare` prints.
 */
#ifndef AW_RATE_H
#define AW_RATE_H

struct cli_command;

/* Run `alphawrite rate` (argv[0] is "rate"); returns the exit status. */
int rate_main(int argc, char **argv);
/* Its option table (for the man page). */
extern const struct cli_command rate_command;

#endif
