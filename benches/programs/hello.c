/* Startup benchmark, native side: the C twin of examples/hello.wat. */
#include <stdio.h>

int main(void) {
    puts("Hello from native C!");
    return 0;
}
