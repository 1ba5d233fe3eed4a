// The standalone player: the lab's graph, step panel and narration, playing one recorded trace inside any element.
export function mount() {}
