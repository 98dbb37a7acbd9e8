; Inno Setup 6 script for phdesk: one installer for both deployment modes.
;
;   per user, no admin rights (default):  %LOCALAPPDATA%\Programs\phdesk, HKCU registry keys
;   all users (IT, e.g. Intune/SCCM as SYSTEM, with /ALLUSERS):  C:\Program Files\phdesk, HKLM
;
; Build (after `python build_scripts/build.py` has made dist\phdesk):
;   iscc /DAppVersion=0.1.0 build_scripts\phdesk.iss
; Optional code signing of the installer and its uninstaller:
;   iscc /DAppVersion=0.1.0 /DSign "/Sphdesksign=$qC:\path\signtool.exe$q sign /fd SHA256 /tr <TSA URL> /td SHA256 /f $qcert.pfx$q /p <password> $f" build_scripts\phdesk.iss
;   ($q stands for a quote and $f for the quoted file to sign.)
;
; Silent install:   phdesk-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER
;                   phdesk-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
; Silent uninstall: "<install dir>\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;                   (add /PURGEUSERDATA to also delete this user's %LOCALAPPDATA%\phdesk)
; See docs/IT.md.

#define AppName "phdesk"
#define AppExeName "phdesk.exe"
#define AppPublisher "phdesk contributors"
#define AppDescription "Offline neighbourhood health and care planning"
#define DistDir "..\dist\phdesk"
#define ProjectExt ".phdesk"
#define ProgId "phdesk.project"

; The version comes from phdesk.__version__: CI passes /DAppVersion=<version_info.py --print-version>.
; Without it, take the numbers from the bundle's VERSIONINFO (written from the same source).
#define AppExePath AddBackslash(SourcePath) + DistDir + "\" + AppExeName
#if FileExists(AppExePath)
  #define AppNumbers GetVersionNumbersString(AppExePath)
#endif
#ifndef AppVersion
  #ifndef AppNumbers
    #error No version: pass /DAppVersion=... or build dist\phdesk first
  #endif
  #define AppVersion AppNumbers
#endif

; The icon: the app's own if present, else the one build_scripts/make_icon.py made in build\.
#if FileExists(AddBackslash(SourcePath) + "..\phdesk\resources\phdesk.ico")
  #define AppIcon "..\phdesk\resources\phdesk.ico"
#else
  #define AppIcon "..\build\phdesk.ico"
#endif

[Setup]
; AppId identifies phdesk to Windows for upgrades and uninstall: never change it.
AppId={{1768C879-E3F7-4B2B-820C-D1D4D5F8282E}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppComments={#AppDescription}
VersionInfoDescription={#AppName} installer
VersionInfoProductName={#AppName}
VersionInfoProductTextVersion={#AppVersion}
#ifdef AppNumbers
VersionInfoVersion={#AppNumbers}
#endif
; Per user without admin rights by default; /ALLUSERS (or /CURRENTUSER) on the command line.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
; {autopf} = %LOCALAPPDATA%\Programs per user, C:\Program Files for all users.
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
DefaultGroupName={#AppName}
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist\installer
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile={#AppIcon}
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
LZMAUseSeparateProcess=yes
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no
SetupLogging=yes
#ifdef Sign
; The sign tool "phdesksign" is defined on the iscc command line (/Sphdesksign=...); it signs
; setup.exe and the uninstaller (SignedUninstaller).
SignTool=phdesksign
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "{#AppDescription}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Registry]
; .phdesk project files open in phdesk. HKA = HKCU\Software\Classes for a per-user install,
; HKLM\Software\Classes for an all-users install; the keys go on uninstall.
Root: HKA; Subkey: "Software\Classes\{#ProjectExt}"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKA; Subkey: "Software\Classes\{#ProjectExt}\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "phdesk project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExeName},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}\SupportedTypes"; ValueType: string; ValueName: "{#ProjectExt}"; ValueData: ""

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Everything setup installed is removed by the uninstaller itself; this clears anything left in
; the program's own subfolder. {app} itself only if empty, in case someone chose a shared folder.
Type: filesandordirs; Name: "{app}\_internal"
Type: dirifempty; Name: "{app}"

[Code]
// User data (settings, logs, recent files, the demo project in %LOCALAPPDATA%\phdesk) and the
// user's own .phdesk projects are kept on uninstall. A per-user interactive uninstall asks
// (default: keep); a silent one deletes this user's data only with /PURGEUSERDATA. An all-users
// uninstall never touches any user's profile.
function HasParam(const Name: String): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), Name) = 0 then
      Result := True;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
  Purge: Boolean;
begin
  if (CurUninstallStep <> usPostUninstall) or IsAdminInstallMode then
    Exit;
  DataDir := ExpandConstant('{localappdata}\{#AppName}');
  if not DirExists(DataDir) then
    Exit;
  if UninstallSilent then
    Purge := HasParam('/PURGEUSERDATA')
  else
    Purge := MsgBox('Also delete your phdesk settings, logs and the demo project in ' + DataDir +
      '?' + #13#10#13#10 + 'Your own .phdesk project files are never deleted.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
  if Purge then
    DelTree(DataDir, True, True, True);
end;
