/* Startup benchmark, native side: a static executable that does nothing. */
int main(void) { return 0; }
