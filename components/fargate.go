package components

import (
	"fmt"
	"slices"
	"sort"
)

// FargateMemory maps each Fargate task CPU size (in CPU units, 1024 = 1
// vCPU) to the memory sizes (MiB) Fargate accepts with it, from the ECS API
// model (RegisterTaskDefinition cpu and memory).
var FargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   {1024, 2048, 3072, 4096},
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

// FargateCPUs returns the valid task CPU sizes in ascending order.
func FargateCPUs() []int {
	cpus := make([]int, 0, len(FargateMemory))
	for c := range FargateMemory {
		cpus = append(cpus, c)
	}
	sort.Ints(cpus)
	return cpus
}

// ValidateFargateSize returns an error unless cpu and memory form a task
// size Fargate accepts; the error lists what is allowed.
func ValidateFargateSize(cpu, memory int) error {
	mems, ok := FargateMemory[cpu]
	if !ok {
		return fmt.Errorf("cpu %d is not a Fargate task size; use one of %v (1024 = 1 vCPU)", cpu, FargateCPUs())
	}
	if !slices.Contains(mems, memory) {
		if stepOf(mems) == 0 {
			return fmt.Errorf("memory %d MiB does not fit cpu %d on Fargate; with cpu %d use one of %v MiB", memory, cpu, cpu, mems)
		}
		return fmt.Errorf("memory %d MiB does not fit cpu %d on Fargate; with cpu %d use %d to %d MiB in steps of %d",
			memory, cpu, cpu, mems[0], mems[len(mems)-1], stepOf(mems))
	}
	return nil
}

func stepOf(mems []int) int {
	if len(mems) < 2 {
		return 0
	}
	step := mems[1] - mems[0]
	for i := 2; i < len(mems); i++ {
		if mems[i]-mems[i-1] != step {
			return 0
		}
	}
	return step
}

// GunicornWorkers is the worker count the service gives gunicorn for a task
// of cpu units: the seed's (2 x vCPU) + 1, rounded down, and never fewer
// than 2 so one stuck worker cannot stall a small task (256 and 512 -> 2,
// 1024 -> 3, 2048 -> 5, 4096 -> 9). Each worker runs GunicornThreads
// threads. In bench/results/app.md (1-vCPU task, database-bound endpoint,
// median of 3) 3 workers x 2 threads reached 94 % of the best point and
// 2 x 4 reached 96 %: within that sweep's noise, so the default follows the
// seed. DjangoServiceArgs.Gunicorn's Workers and Threads override both.
// app/gunicorn.conf.py computes the same when WEB_CONCURRENCY is unset.
func GunicornWorkers(cpu int) int {
	return max(2, 2*cpu/1024+1)
}

// GunicornThreads is the default number of threads per gunicorn worker
// (gthread): they overlap the waits on the database (see GunicornWorkers).
const GunicornThreads = 2
