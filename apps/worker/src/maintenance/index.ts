export {
  MAINTENANCE_INTERVALS,
  MAINTENANCE_JOB_NAMES,
  createMaintenanceJobs,
  type MaintenanceJobName,
  type MaintenanceJobsOptions,
} from './jobs';
