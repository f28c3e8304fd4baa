; Inno Setup script: the per-user Windows installer for coachadmin (no administrator rights).
;
; Build the bundle first (python build\build_bundle.py makes dist\coachadmin\), then:
;   iscc /DAppVersion=0.2.0rc1 /DAppNumericVersion=0.2.0.0 build\windows\coachadmin.iss
; or let the build script do both, with the defines (and signing) from build\release.py:
;   python build\build_bundle.py --package
; The installer lands in dist\coachadmin-<version>-windows-x64-setup.exe.
;
; It installs into %LOCALAPPDATA%\Programs\coachadmin, adds a Start menu shortcut to the
; windowed coachadmin-gui.exe, and registers an uninstaller. The user's data (settings,
; transfer journal, logs in %LOCALAPPDATA%\coachadmin) stays when uninstalling unless the
; user says to delete it; saved keys stay in Windows Credential Manager (entries named
; "coachadmin") until the user removes the connection in the app.
;
; Defines (iscc /D...):
;   AppVersion         the version as the app says it (0.2.0rc1): names, texts, AppVersion.
;   AppNumericVersion  its four numbers (0.2.0.0) for the version resources, which take no
;                      pre-release tag; defaults to AppVersion, which suits a plain 0.2.0.
;   SourceDir, OutputDir  the bundle, and where the installer goes.
;   SignToolName       set (with iscc /S<name>=<command with $f>) to sign: the app's two
;                      executables before they are stored, the uninstaller and the installer.
;                      Unset, the installer is unsigned.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef AppNumericVersion
  #define AppNumericVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\coachadmin"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifdef SignToolName
  #define SignFlag "signonce"
#else
  #define SignFlag ""
#endif
#define AppName "coachadmin"
#define AppPublisher "coachadmin developers"
#define GuiExe "coachadmin-gui.exe"
#define CliExe "coachadmin.exe"
#define SetupName AppName + "-" + AppVersion + "-windows-x64-setup"

[Setup]
; The AppId identifies the app across versions: never change it.
AppId={{CC304FDE-3C9A-4F3E-B795-6E91A4637238}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=MIT License, {#AppPublisher}
; The numeric fields take four numbers; the text fields say the version as it is (0.2.0rc1).
VersionInfoVersion={#AppNumericVersion}
VersionInfoProductVersion={#AppNumericVersion}
VersionInfoTextVersion={#AppVersion}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoOriginalFileName={#SetupName}.exe
VersionInfoCompany={#AppPublisher}
VersionInfoDescription={#AppName} installer
VersionInfoProductName={#AppName}
; Per user: no UAC prompt; {autopf} is %LOCALAPPDATA%\Programs here. Not %LOCALAPPDATA%\coachadmin,
; which is where the app keeps the user's data (platformdirs).
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\icons\coachadmin.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename={#SetupName}
#ifdef SignToolName
; The command is given to iscc as /S{#SignToolName}=...; Inno Setup signs the uninstaller as it
; builds it (signing setup.exe afterwards would leave the uninstaller unsigned), then setup.exe.
SignTool={#SignToolName}
SignedUninstaller=yes
SignToolRetryCount=3
SignToolRetryDelay=2000
#endif
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle; a new version replaces the old files, leftovers are removed below.
; The two executables are listed on their own so that a signed build signs them first.
Source: "{#SourceDir}\{#CliExe}"; DestDir: "{app}"; Flags: ignoreversion {#SignFlag}
Source: "{#SourceDir}\{#GuiExe}"; DestDir: "{app}"; Flags: ignoreversion {#SignFlag}
Source: "{#SourceDir}\*"; DestDir: "{app}"; Excludes: "\{#CliExe},\{#GuiExe}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of a previous version that this one no longer has.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Manage the platform's media and lessons"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put there; the user's data lives elsewhere (see [Code]).
Type: filesandordirs; Name: "{app}\_internal"

[Code]
{ The app's data directory, as platformdirs names it on Windows: settings, journal, logs, cache. }
function UserDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\{#AppName}');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(UserDataDir()) then
  begin
    { Keep by default, and always in a silent uninstall (the suppressed answer is No). }
    if SuppressibleMsgBox(
         'Also delete your coachadmin settings, saved connections, transfer history and logs?' + #13#10 + #13#10 +
         UserDataDir() + #13#10 + #13#10 +
         'Choose No to keep them for a later installation. Keys saved in Windows Credential ' +
         'Manager are not touched either way.',
         mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
    begin
      DelTree(UserDataDir(), True, True, True);
    end;
  end;
end;
