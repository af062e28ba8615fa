/** `GET /status.json` (public), the status page's only input. Times are epoch ms. */
export type SystemStatus = 'operational' | 'degraded' | 'outage' | 'maintenance';

export interface StatusDocument {
  title: string;
  enabled: boolean;
  generatedAt: number;
  groups: Array<{
    id: string;
    name: string;
    systems: Array<{
      id: string;
      name: string;
      status: SystemStatus;
      /** 90 days, oldest first; ratio null = no data that day. */
      uptime: Array<{ day: string; ratio: number | null }>;
    }>;
  }>;
  incidents: Array<{
    id: string;
    title: string;
    status: string;
    severity: string;
    systemIds: string[];
    createdAt: number;
    resolvedAt: number | null;
    updates: Array<{ message: string; status?: string; at: number }>;
  }>;
  maintenance: Array<{
    id: string;
    title: string;
    description: string;
    systemIds: string[];
    status: 'active' | 'scheduled';
    startsAt: number;
    endsAt: number;
  }>;
}
