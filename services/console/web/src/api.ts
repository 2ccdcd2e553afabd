// The console's JSON API (protobuf's JSON mapping of the orchestrator's messages). The
// operator's token, when the console asks for one, lives in this tab's sessionStorage.

const TOKEN_KEY = "blend-console-token";

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}
export function setToken(value: string): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function call<T>(method: string, path: string, body?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (token()) headers["Authorization"] = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body });
  const text = await res.text();
  let json: any = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, json.code ?? "", json.message ?? res.statusText);
  return json as T;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : "";
};
const id = encodeURIComponent;

// Shapes of the messages the pages read (int64 fields arrive as strings).
export interface CampaignPause { campaignId: string; paused: boolean; changedBy: string; reason: string; changedAt?: string; }
export interface TouchCount { channel: string; outcome: string; touches: string; }
export interface CampaignSummary {
  campaignId: string; latestVersion: number; createdAt?: string; journeysRunning: string;
  journeysFinished: string; touchesToday: TouchCount[]; conversions: string; pause?: CampaignPause;
}
export interface StateCount { stateName: string; current: string; entered: string; }
export interface CampaignStats {
  campaignId: string; version: number; states: StateCount[];
  statuses: { status: string; journeys: string }[]; touches: TouchCount[]; conversions: string;
  pause?: CampaignPause; computedAt?: string;
}
export interface Campaign { campaignId: string; version: number; definitionJson: string; policiesJson: string; }
export interface HistoryEntry { seq: string; at: string; kind: string; stateName: string; detail?: Record<string, unknown>; }
export interface Journey {
  journeyId: string; campaignId: string; campaignVersion: number; customerId: string; status: string;
  currentState: string; startedAt?: string; finishedAt?: string; history: HistoryEntry[];
  error: string; cause: string; state?: Record<string, unknown>;
}
export interface Suppression { suppressionId: string; address: string; channel: string; reason: string; source: string; recordedAt?: string; expiresAt?: string; note: string; }
export interface Session { operator: string; open: boolean; scopes: string[]; }

export const api = {
  session: () => call<Session>("GET", "/api/session"),
  campaigns: () => call<{ campaigns: CampaignSummary[] }>("GET", "/api/campaigns"),
  campaign: (c: string, version = 0) => call<Campaign>("GET", `/api/campaigns/${id(c)}${q({ version: version || undefined })}`),
  stats: (c: string, version = 0) => call<CampaignStats>("GET", `/api/campaigns/${id(c)}/stats${q({ version: version || undefined })}`),
  pause: (c: string, reason: string) => call<CampaignPause>("POST", `/api/campaigns/${id(c)}/pause`, JSON.stringify({ reason })),
  resume: (c: string, reason: string) => call<CampaignPause>("POST", `/api/campaigns/${id(c)}/resume`, JSON.stringify({ reason })),
  journeys: (f: { campaignId?: string; campaignVersion?: number; stateName?: string; customerId?: string; status?: string; pageSize?: number; pageToken?: string }) =>
    call<{ journeys: Journey[]; nextPageToken: string }>("GET", `/api/journeys${q(f)}`),
  journey: (j: string) => call<Journey>("GET", `/api/journeys/${id(j)}`),
  consent: (c: string) => call<{ customerId: string; address: string; suppressions: Suppression[] }>("GET", `/api/customers/${id(c)}/consent`),
  engagement: (c: string) => call<{ customerId: string; profileJson: string; factsJson: string }>("GET", `/api/customers/${id(c)}/engagement`),
  lint: (document: string) => call<{ valid: boolean; problems: { pointer: string; message: string }[] }>("POST", "/api/lint", document),
};
