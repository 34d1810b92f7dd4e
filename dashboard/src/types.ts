/**
 * The REST API's objects, as the dashboard reads them: the API's own response schemas
 * (src/gimming-api/schemas/v1-responses.ts), types only, so that the two cannot drift apart.
 */
import type {
  ChannelHistoryEntryView,
  ChannelView,
  CloudImageView,
  CloudView,
  FamilyVersionView,
  FamilyView,
  ImageView,
  LifecycleChangeView,
  LocationView,
  MemberView,
  ResolvedChannelView,
  TargetsView,
  TaskView,
} from '../../src/gimming-api/schemas/v1-responses';

export interface Session {
  token: string;
  expires_at: string;
  user: { id: string; name: string };
  project: { id: string; name: string };
  roles: string[];
}

export type CloudAuth = Record<string, string>;

export type CloudInfo = CloudView;
export type LocationInfo = LocationView;
export type ImageInfo = ImageView;
export type TaskInfo = TaskView;
export type TargetsPlan = TargetsView;
export type CloudImage = CloudImageView;
export type Member = MemberView;
export type FamilyInfo = FamilyView;
export type FamilyVersionInfo = FamilyVersionView;
export type ChannelInfo = ChannelView;
export type ChannelHistoryEntry = ChannelHistoryEntryView;
export type ResolvedChannelInfo = ResolvedChannelView;
export type LifecycleChangeInfo = LifecycleChangeView;
