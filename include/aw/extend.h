/*
 * extend.h - `alphawrite extend`: lengthen any stories with the extender
 * (extender.h), for those who evolve short stories and publish long ones.
 *
 * Input is a run directory (the top K of its last generation) or a JSON
 * Lines file of stories, {"id": ..., "text": ...} a line.  Every story under
 * --target-words is lengthened to between --target-words and --max-words;
 * the others are kept as they are.  Output is a JSON Lines file with "id"
 * (the source id and "-long"), "source_id", "text", "words" and "extensions",
 * in input order, written whole at the end.
 *
 * Resumable: the work directory OUT.work/ keeps a journal of every reply
 * and finished story and the settings it was made with; running the same
 * command again takes everything it holds and pays only for the rest.
 */
#ifndef AW_EXTEND_H
#define AW_EXTEND_H

struct cli_command;

/* Run `alphawrite extend` (argv[0] is "extend"); returns the exit status. */
int extend_main(int argc, char **argv);
/* Its option table (for --help, the man page and completion). */
const struct cli_command *extend_command(void);

#endif
