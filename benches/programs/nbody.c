/* n-body simulation of the sun and the four gas giants (symplectic Euler),
 * an array of structs on the stack: double arithmetic and sqrt. */
#include <math.h>

#include "bench.h"

#define BODIES 5
#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static double energy(const struct body *b) {
    double e = 0.0;
    for (int i = 0; i < BODIES; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(struct body *b, double dt) {
    for (int i = 0; i < BODIES; i++) {
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            b[i].vx -= dx * b[j].mass * mag;
            b[i].vy -= dy * b[j].mass * mag;
            b[i].vz -= dz * b[j].mass * mag;
            b[j].vx += dx * b[i].mass * mag;
            b[j].vy += dy * b[i].mass * mag;
            b[j].vz += dz * b[i].mass * mag;
        }
    }
    for (int i = 0; i < BODIES; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

int main(int argc, char **argv) {
    long steps = bench_size(argc, argv, 20000000);
    /* Positions in AU, velocities in AU/year, masses in solar masses
     * (published orbital elements, rounded). */
    struct body b[BODIES] = {
        {0, 0, 0, 0, 0, 0, SOLAR_MASS},
        {4.841431442, -1.160320044, -0.103622044, 0.001660076 * DAYS_PER_YEAR,
         0.007699011 * DAYS_PER_YEAR, -0.000069046 * DAYS_PER_YEAR, 0.000954791 * SOLAR_MASS},
        {8.343366718, 4.124798564, -0.403523417, -0.002767425 * DAYS_PER_YEAR,
         0.004998528 * DAYS_PER_YEAR, 0.000023042 * DAYS_PER_YEAR, 0.000285885 * SOLAR_MASS},
        {12.894369562, -15.111151401, -0.223307578, 0.002964601 * DAYS_PER_YEAR,
         0.002378471 * DAYS_PER_YEAR, -0.000029659 * DAYS_PER_YEAR, 0.000043662 * SOLAR_MASS},
        {15.379697114, -25.919314609, 0.179258772, 0.002680677 * DAYS_PER_YEAR,
         0.001628241 * DAYS_PER_YEAR, -0.000095159 * DAYS_PER_YEAR, 0.000051514 * SOLAR_MASS},
    };
    /* Give the sun the momentum that makes the total zero. */
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < BODIES; i++) {
        px += b[i].vx * b[i].mass;
        py += b[i].vy * b[i].mass;
        pz += b[i].vz * b[i].mass;
    }
    b[0].vx = -px / SOLAR_MASS;
    b[0].vy = -py / SOLAR_MASS;
    b[0].vz = -pz / SOLAR_MASS;

    uint64_t start = bench_now_ns();
    double before = energy(b);
    for (long s = 0; s < steps; s++) advance(b, 0.01);
    double after = energy(b);
    uint64_t sum = bench_mix(bench_double_bits(before), bench_double_bits(after));
    bench_report("nbody", sum, start);
    return 0;
}
